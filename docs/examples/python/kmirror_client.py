#!/usr/bin/env python3
"""A short kmirror API client in Python, generated from the same .proto files as kmirror.

Translates a consumer group's offsets (where it resumes on the target cluster) and,
with --watch, streams checkpoint updates. See README.md next to this file.

    python3 kmirror_client.py --api 127.0.0.1:9190 --source A --target B --group billing
    python3 kmirror_client.py --api 127.0.0.1:9190 --source A --target B --group billing --watch 10
    python3 kmirror_client.py --api kmirror-1.example:9190 --ca ca.pem --cert me.pem --key me.key ...
"""
import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile


def load_stubs(proto_root):
    """Generates the Python modules from proto_root into a temporary directory and imports them."""
    out = tempfile.mkdtemp(prefix="kmirror-py-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    protos = [os.path.join("kmirror", "v1", name) for name in ("offset_sync.proto", "translation.proto")]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", proto_root, "--python_out", out,
                    "--grpc_python_out", out] + protos, check=True)
    sys.path.insert(0, out)
    from kmirror.v1 import translation_pb2, translation_pb2_grpc  # noqa: E402  (generated above)
    return translation_pb2, translation_pb2_grpc


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", default="127.0.0.1:9190")
    p.add_argument("--source", required=True, help="source cluster alias")
    p.add_argument("--target", required=True, help="target cluster alias")
    p.add_argument("--group", required=True)
    p.add_argument("--proto", default=os.path.join(here, "..", "..", "..", "proto"), help="the proto/ directory")
    p.add_argument("--watch", type=float, default=0, help="then stream checkpoint updates for this many seconds")
    # TLS, as kmirror's own --api-ca / --api-cert / --api-key (docs/api.md, "TLS").
    p.add_argument("--ca", default=os.environ.get("KMIRROR_API_CA"),
                   help="PEM CA of the API's server certificate: connect with TLS")
    p.add_argument("--cert", default=os.environ.get("KMIRROR_API_CERT"),
                   help="PEM client certificate, for an API requiring them")
    p.add_argument("--key", default=os.environ.get("KMIRROR_API_KEY"), help="PEM key of --cert (unencrypted)")
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")

    import grpc
    pb, pb_grpc = load_stubs(os.path.abspath(args.proto))
    if args.ca or args.cert:
        def read(path):
            if not path:
                return None
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError as e:
                p.error(f"{path}: {e.strerror}")
        creds = grpc.ssl_channel_credentials(root_certificates=read(args.ca), private_key=read(args.key),
                                              certificate_chain=read(args.cert))
        channel = grpc.secure_channel(args.api, creds)
    else:
        channel = grpc.insecure_channel(args.api)
    stub = pb_grpc.TranslationServiceStub(channel)
    flow = pb.FlowSelector(source_alias=args.source, target_alias=args.target)
    try:
        r = stub.TranslateGroup(pb.TranslateGroupRequest(flow=flow, group=args.group, fallback_to_checkpoints=True),
                                timeout=30)
    except grpc.RpcError as e:
        # FAILED_PRECONDITION: the index is still catching up; NOT_FOUND: unknown group/flow.
        print(f"error: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    # One JSON line per partition: easy to feed into a consumer's seek() calls.
    for t in r.translations:
        print(json.dumps({"topic": t.target_topic, "partition": t.partition, "offset": t.target_offset,
                          "source_topic": t.source_topic, "source_offset": t.source_offset,
                          "kind": pb.TranslationKind.Name(t.kind), "from_checkpoints": r.from_checkpoints}))
    for e in r.errors:
        print(f"not translated: {e.source_topic}-{e.partition}: {e.message}", file=sys.stderr)

    if args.watch > 0:
        try:
            for u in stub.WatchCheckpoints(pb.WatchCheckpointsRequest(flow=flow, group=args.group),
                                           timeout=args.watch):
                c = u.checkpoint
                print(json.dumps({"checkpoint": True, "initial": u.initial, "topic": c.target_topic,
                                  "partition": c.partition, "upstream": c.upstream_offset,
                                  "downstream": c.downstream_offset}))
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.DEADLINE_EXCEEDED:  # the end of the watch window
                print(f"error: {e.code().name}: {e.details()}", file=sys.stderr)
                return 1
    return 0 if not r.errors else 1


if __name__ == "__main__":
    sys.exit(main())
