"""Runs whose remote artifact_uri is s3://… (a server started with
--default-artifact-root s3://bucket/… --no-serve-artifacts, as many
deployments are): mlflow-lite uploads the artifacts directly to S3 with
SigV4 through the project's S3 client (tools/s3.h), configured like boto3
(AWS_* variables, MLFLOW_S3_ENDPOINT_URL); here the S3 is moto on 127.0.0.1.
MlflowClient then downloads them (with boto3) and the bytes must match."""
import os

from synctest import MlflowServer, check, compare_stores, main, run_tool, start_moto, workdir, write_python_store


def test():
    wd = workdir("s3art")
    src = write_python_store(os.path.join(wd, "src"), n_runs=2, n_steps=10, big_artifact=9 << 20)
    moto, moto_url = start_moto(wd)
    try:
        import boto3
        aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "MLFLOW_S3_ENDPOINT_URL": moto_url}
        os.environ.update(aws)
        boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket="direct")
        with MlflowServer(os.path.join(wd, "server"), env=aws,
                          extra_args=["--default-artifact-root", "s3://direct/mlflow", "--no-serve-artifacts"]) as srv:
            p = run_tool(["sync", "-v", src, srv.url], env=aws, check_rc=0)
            check("mlflow-artifacts" not in p.stderr, "artifacts went through the server instead of S3")
            keys = [o["Key"] for o in boto3.client("s3", endpoint_url=moto_url)
                    .list_objects_v2(Bucket="direct").get("Contents", [])]
            check(any(k.endswith("artifacts/big.bin") for k in keys), f"big.bin not in the bucket: {keys[:5]}")
            compare_stores(src, srv.url, expect_runs=3)
    finally:
        os.killpg(moto.pid, 15)
        moto.wait(timeout=20)


main(test)
