"""Artifact multipart upload through the server's proxy endpoints, where the
server offers them: `mlflow server --artifacts-destination s3://…` backed by
moto (127.0.0.1). Files at or above MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE
go through mpu/create -> PUT each part to its presigned URL (directly to the
storage, without the MLflow credentials) -> mpu/complete; smaller ones by a
single PUT. A server whose artifact store cannot do multipart (local disk)
answers 501 and the tool falls back to a single PUT. Bytes compared."""
import os

from counting_proxy import CountingProxy
from synctest import MlflowServer, check, compare_stores, main, run_tool, start_moto, workdir


def test():
    wd = workdir("mpu")
    from mlflow import MlflowClient
    src = os.path.join(wd, "mlruns")
    c = MlflowClient("file://" + src)
    e = c.create_experiment("mpu")
    r = c.create_run(e, run_name="big")
    big = os.path.join(wd, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(12 * 1024 * 1024 + 12345))
    small = os.path.join(wd, "small.txt")
    with open(small, "w") as f:
        f.write("small")
    c.log_artifact(r.info.run_id, big, "weights")
    c.log_artifact(r.info.run_id, small)
    c.set_terminated(r.info.run_id, "FINISHED")

    moto, moto_url = start_moto(wd)
    try:
        import boto3
        aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "MLFLOW_S3_ENDPOINT_URL": moto_url}
        os.environ.update(aws)
        boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket="mlart")
        tool_env = {"MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE": str(1024 * 1024),
                    "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE": str(5 * 1024 * 1024)}
        with MlflowServer(os.path.join(wd, "server"), env=aws,
                          extra_args=["--artifacts-destination", "s3://mlart/artifacts"]) as srv, \
                CountingProxy(srv.url) as px:
            run_tool(["sync", "-v", src, px.url], env=tool_env, check_rc=0)
            paths = [q[1] for q in px.requests]
            check(any("/mlflow-artifacts/mpu/create/" in p for p in paths), f"no mpu/create: {paths}")
            check(any("/mlflow-artifacts/mpu/complete/" in p for p in paths), "no mpu/complete")
            check(not any(p.endswith("/big.bin") and q[0] == "PUT" for q in px.requests for p in [q[1]]),
                  "big.bin also went through the proxy")
            compare_stores(src, srv.url, expect_runs=1)

        # a local artifact store: 501 -> single PUT
        with MlflowServer(os.path.join(wd, "server-local")) as srv2, CountingProxy(srv2.url) as px2:
            p = run_tool(["sync", "-v", src, px2.url], env=tool_env, check_rc=0)
            check(any("/mpu/create/" in q[1] for q in px2.requests), "multipart was not tried")
            check(any(q[0] == "PUT" and q[1].endswith("/weights/big.bin") for q in px2.requests), "no fallback PUT")
            compare_stores(src, srv2.url, expect_runs=1)
    finally:
        os.killpg(moto.pid, 15)
        moto.wait(timeout=20)


main(test)
