#!/usr/bin/env python3
"""Captures real answers for the fuzz seed corpora (tests/fuzz/corpus/):
json_resp/ from a running `mlflow server` (MLflow 3.18.0) and s3_xml/ from
moto's S3 server, plus hand-broken variants of each. Run it when the REST
layer learns a new endpoint:

    .venv/bin/python tests/tool_rest/capture_corpus.py --mlflow http://127.0.0.1:5000 --moto

json_resp files start with two bytes that fuzz_json_resp.c reads as the HTTP
status (index into 200,201,204,400,401,403,404,429,500,503) and the content
type (0 = application/json); s3_xml files with one byte, the part count."""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "fuzz", "corpus")
STATUS = [200, 201, 204, 400, 401, 403, 404, 429, 500, 503]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def save(kind, name, prefix, body):
    d = os.path.join(CORPUS, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(prefix + body)


def json_prefix(status):
    return bytes([STATUS.index(status) if status in STATUS else 0, 0])


def capture_mlflow(base):
    tag = "%d" % time.time()
    seen = {}

    def keep(name, status, body):
        seen[name] = body
        save("json_resp", "real_" + name, json_prefix(status), body)

    s, b = call(base, "POST", "/api/2.0/mlflow/experiments/create", {"name": "corpus-" + tag})
    keep("experiments_create", s, b)
    exp = json.loads(b)["experiment_id"]
    keep("experiments_create_exists", *call(base, "POST", "/api/2.0/mlflow/experiments/create", {"name": "corpus-" + tag}))
    keep("experiments_get_by_name", *call(base, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=corpus-" + tag))
    keep("experiments_get_by_name_absent", *call(base, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope-" + tag))
    s, b = call(base, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": exp, "run_name": "r", "start_time": 1,
                "tags": [{"key": "mlflow_lite.source_run_id", "value": "it's"}]})
    keep("runs_create", s, b)
    run = json.loads(b)["run"]["info"]["run_id"]
    keep("runs_log_batch", *call(base, "POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": run, "metrics": [
        {"key": "m", "value": v, "timestamp": i, "step": i} for i, v in enumerate([1.5, "NaN", "Infinity", -2])]}))
    keep("runs_log_batch_refused", *call(base, "POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": run, "metrics": [
        {"key": "m", "value": 1, "timestamp": -1, "step": 0}]}))
    keep("metrics_get_history_page", *call(base, "GET", "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=m&max_results=2" % run))
    keep("metrics_get_history", *call(base, "GET", "/api/2.0/mlflow/metrics/get-history?run_id=%s&metric_key=m" % run))
    keep("runs_update", *call(base, "POST", "/api/2.0/mlflow/runs/update", {"run_id": run, "status": "FINISHED", "end_time": 5}))
    keep("runs_get", *call(base, "GET", "/api/2.0/mlflow/runs/get?run_id=" + run))
    keep("runs_search", *call(base, "POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": [exp],
         "filter": "tags.`mlflow_lite.source_run_id` LIKE 'it_s'", "run_view_type": "ALL", "max_results": 1}))
    keep("runs_delete_tag_absent", *call(base, "POST", "/api/2.0/mlflow/runs/delete-tag", {"run_id": run, "key": "x"}))
    s, b = call(base, "POST", "/api/2.0/mlflow/logged-models", {"experiment_id": exp, "name": "m", "source_run_id": run,
                "tags": [{"key": "mlflow_lite.source_model_id", "value": "m-1"}]})
    keep("logged_models_create", s, b)
    mid = json.loads(b)["model"]["info"]["model_id"]
    keep("logged_models_finalize", *call(base, "PATCH", "/api/2.0/mlflow/logged-models/" + mid, {"model_id": mid, "status": 2}))
    keep("logged_models_search", *call(base, "POST", "/api/2.0/mlflow/logged-models/search", {"experiment_ids": [exp],
         "filter": "tags.`mlflow_lite.source_model_id` = 'm-1'"}))
    name = "corpus model " + tag
    keep("registered_models_create", *call(base, "POST", "/api/2.0/mlflow/registered-models/create", {"name": name}))
    keep("model_versions_create", *call(base, "POST", "/api/2.0/mlflow/model-versions/create", {
         "name": name, "source": "runs:/%s/model" % run, "run_id": run, "tags": [{"key": "k", "value": "v"}]}))
    call(base, "POST", "/api/2.0/mlflow/registered-models/alias", {"name": name, "alias": "champ", "version": "1"})
    keep("registered_models_get", *call(base, "GET", "/api/2.0/mlflow/registered-models/get?name=" + urllib.parse.quote(name)))
    keep("model_versions_search", *call(base, "GET", "/api/2.0/mlflow/model-versions/search?filter=" +
                                        urllib.parse.quote("name = '%s'" % name)))
    keep("model_versions_transition", *call(base, "POST", "/api/2.0/mlflow/model-versions/transition-stage",
                                            {"name": name, "version": "1", "stage": "Staging",
                                             "archive_existing_versions": False}))
    keep("mpu_create_501", *call(base, "POST", "/api/2.0/mlflow-artifacts/mpu/create/%s/%s/artifacts" % (exp, run),
                                 {"path": "big.bin", "num_parts": 2}))
    return seen


def broken_json(seen):
    """Hand-broken answers: truncations, wrong types, ids out of shape, bad part numbers."""
    for name, body in sorted(seen.items()):
        save("json_resp", "cut_" + name, b"\x00\x00", body[: max(1, len(body) // 2)])
        flipped = body.replace(b'"1"', b"1").replace(b'": "', b'": 7, "x": "', 1)
        save("json_resp", "types_" + name, b"\x00\x00", flipped)
    extra = {
        "html_login": (b"\x00\x01", b"<!DOCTYPE html><html><body><form>Sign in</form></body></html>"),
        "array": (b"\x00\x00", b"[{\"run\": {}}]"),
        "empty": (b"\x00\x00", b""),
        "run_without_id": (b"\x00\x00", b'{"run": {"info": {"experiment_id": "1"}}}'),
        "run_id_number": (b"\x00\x00", b'{"run": {"info": {"run_id": 5, "experiment_id": "1"}}}'),
        "version_zero": (b"\x00\x00", b'{"model_version": {"name": "m", "version": "0"}}'),
        "version_huge": (b"\x00\x00", b'{"model_version": {"name": "m", "version": "99999999999999999999"}}'),
        "history_empty_page_token": (b"\x00\x00", b'{"metrics": [], "next_page_token": "x"}'),
        "mpu_ok": (b"\x01\x00", b'{"upload_id": "u", "credentials": [{"url": "https://s3/x?partNumber=1", "part_number": 1, '
                                b'"headers": {"x-amz-acl": "private"}}, {"url": "https://s3/x?partNumber=2", "part_number": 2}]}'),
        "mpu_out_of_range": (b"\x01\x00", b'{"upload_id": "u", "credentials": [{"url": "https://s3/x", "part_number": 1}, '
                                          b'{"url": "https://s3/x", "part_number": 4096}]}'),
        "mpu_repeated": (b"\x01\x00", b'{"upload_id": "u", "credentials": [{"url": "https://s3/x", "part_number": 2}, '
                                      b'{"url": "https://s3/x", "part_number": 2}]}'),
        "mpu_header_injection": (b"\x00\x00", b'{"upload_id": "u", "credentials": [{"url": "https://s3/x", "part_number": 1, '
                                              b'"headers": {"a": "b\\r\\nAuthorization: x"}}]}'),
        "dbfs_aws": (b"\x00\x00", b'{"credential_infos": [{"signed_uri": "https://b/k?sig", "type": "AWS_PRESIGNED_URL", '
                                  b'"headers": [{"name": "x-amz-acl", "value": "private"}]}]}'),
        "dbfs_azure": (b"\x00\x00", b'{"credential_infos": [{"signed_uri": "https://b/k?sig", "type": 1}]}'),
        "queuepool_400": (b"\x03\x00", b'{"error_code": "BAD_REQUEST", "message": "QueuePool limit of size 5 overflow 10 reached"}'),
        "deep": (b"\x00\x00", b'{"a":' * 200 + b"1" + b"}" * 200),
        "controls": (b"\x03\x00", b'{"error_code": "X\\u001b[2J", "message": "\\u0000\\u001b]0;pwned\\u0007"}'),
    }
    for name, (prefix, body) in extra.items():
        save("json_resp", "bad_" + name, prefix, body)


def capture_moto():
    sys.path.insert(0, os.path.join(HERE, "..", "common"))
    from mlflow_server import free_port
    port = free_port()
    env = dict(os.environ, S3_UPLOAD_PART_MIN_SIZE="1")  # 10-byte parts
    moto = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        out = {}
        import boto3
        from botocore.config import Config
        c = boto3.client("s3", endpoint_url=base, region_name="us-east-1", aws_access_key_id="testing",
                         aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))
        last = {}

        def hook(http_response, model, **kw):  # the raw body, before boto3 parses it
            last["body"] = http_response.content

        c.meta.events.register("after-call.s3.*", hook)

        def raw(name, fn, *args, **kw):
            try:
                fn(*args, **kw)
            except Exception:
                pass
            out[name] = last.get("body", b"")

        c.create_bucket(Bucket="bkt")
        for k in ["a.txt", "dir/b&c.txt", "it's <x>.bin"]:
            c.put_object(Bucket="bkt", Key=k, Body=b"hello")
        raw("list_objects", c.list_objects_v2, Bucket="bkt")
        raw("list_objects_truncated", c.list_objects_v2, Bucket="bkt", MaxKeys=1)
        raw("create_upload", c.create_multipart_upload, Bucket="bkt", Key="big")
        uid = c.list_multipart_uploads(Bucket="bkt")["Uploads"][0]["UploadId"]
        e1 = c.upload_part(Bucket="bkt", Key="big", PartNumber=1, UploadId=uid, Body=b"x" * 10)["ETag"]
        c.upload_part(Bucket="bkt", Key="big", PartNumber=2, UploadId=uid, Body=b"y" * 10)
        raw("list_uploads", c.list_multipart_uploads, Bucket="bkt")
        raw("list_parts", c.list_parts, Bucket="bkt", Key="big", UploadId=uid)
        raw("list_parts_truncated", c.list_parts, Bucket="bkt", Key="big", UploadId=uid, MaxParts=1)
        raw("complete_bad_etag", c.complete_multipart_upload, Bucket="bkt", Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]})
        raw("complete", c.complete_multipart_upload, Bucket="bkt", Key="big", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
        raw("error_no_such_key", c.get_object, Bucket="bkt", Key="nope")
        raw("error_no_such_bucket", c.list_objects_v2, Bucket="nobucket")
        raw("delete_result", c.delete_objects, Bucket="bkt", Delete={"Objects": [{"Key": "a.txt"}, {"Key": "zz"}]})
        for name, body in out.items():
            save("s3_xml", "real_" + name, b"\x02", body)
        return out
    finally:
        moto.terminate()
        moto.wait()


def broken_xml(seen):
    for name, body in sorted(seen.items()):
        save("s3_xml", "cut_" + name, b"\x02", body[: max(1, len(body) // 2)])
    extra = {
        "complete_200_error": b'<?xml version="1.0"?><Error><Code>InternalError</Code><Message>retry</Message></Error>',
        "complete_ok": b'<CompleteMultipartUploadResult><ETag>&quot;3858f62230ac3c915f300c664312c11f-2&quot;</ETag>'
                       b'</CompleteMultipartUploadResult>',
        "parts_out_of_range": b"<ListPartsResult><Part><PartNumber>99999</PartNumber><Size>5</Size><ETag>x</ETag></Part>"
                              b"<Part><PartNumber>1</PartNumber><Size>-5</Size><ETag>x</ETag></Part></ListPartsResult>",
        "list_loop": b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "entities": b"<ListBucketResult><Contents><Key>&#0;&#xD800;&#x110000;&amp;&#65;</Key><Size>1</Size>"
                    b"<ETag>&quot;e&quot;</ETag></Contents></ListBucketResult>",
        "size_overflow": b"<ListBucketResult><Contents><Key>k</Key><Size>99999999999999999999999</Size></Contents>"
                         b"</ListBucketResult>",
        "unclosed": b"<ListBucketResult><Contents><Key>k",
    }
    for name, body in extra.items():
        save("s3_xml", "bad_" + name, b"\x02", body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlflow", help="base URL of a running mlflow server")
    ap.add_argument("--moto", action="store_true", help="start moto_server (next to this Python) and capture S3")
    a = ap.parse_args()
    if a.mlflow:
        broken_json(capture_mlflow(a.mlflow))
    if a.moto:
        broken_xml(capture_moto())
    return 0


if __name__ == "__main__":
    sys.exit(main())
