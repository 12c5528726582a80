#!/bin/sh
# Entrypoint of the Jetson image: build the TensorRT engines if the cache lacks them (announced and
# timed; the first start takes minutes), then run the node with the params file. Extra arguments
# are ROS arguments, e.g. --ros-args -r __ns:=/front -p scale_mode:=camera_height.
set -eu
: "${SSMDE_PARAMS:=/opt/ssmde/share/ssmde/launch/ssmde.params.yaml}"
: "${SSMDE_MODEL:=/opt/ssmde/share/ssmde/models/default}"
: "${SSMDE_ENGINE_CACHE:=/var/cache/ssmde/trt}"

if [ "${SSMDE_SKIP_ENGINE_BUILD:-0}" != 1 ]; then
  ssmde models build-engine --engine-cache "$SSMDE_ENGINE_CACHE" "$SSMDE_MODEL"
fi

if [ "$#" -gt 0 ] && [ "$1" = "--ros-args" ]; then
  shift
fi
exec ssmde node --ros-args --params-file "$SSMDE_PARAMS" \
  -p model:="$SSMDE_MODEL" -p providers:=tensorrt,cuda,cpu \
  -p tensorrt_engine_cache:="$SSMDE_ENGINE_CACHE" "$@"
