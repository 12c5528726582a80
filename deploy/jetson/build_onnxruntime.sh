#!/bin/sh
# Installs ONNX Runtime with the TensorRT and CUDA execution providers into PREFIX/lib.
#   build_onnxruntime.sh build VERSION PREFIX     build from source (JetPack's CUDA, cuDNN, TensorRT)
#   build_onnxruntime.sh context VERSION PREFIX   use the libraries put in deploy/jetson/onnxruntime/
set -eu
mode=$1 version=$2 prefix=$3
mkdir -p "$prefix/lib"
case "$mode" in
  context)
    if ! ls /src/onnxruntime-prebuilt/libonnxruntime.so* >/dev/null 2>&1; then
      echo "ORT_SOURCE=context, but deploy/jetson/onnxruntime/ holds no libonnxruntime.so*" >&2
      exit 1
    fi
    cp -a /src/onnxruntime-prebuilt/libonnxruntime*.so* "$prefix/lib/"
    ;;
  build)
    git clone --depth 1 --recursive --branch "v$version" https://github.com/microsoft/onnxruntime /src/onnxruntime
    cd /src/onnxruntime
    # Orin is sm_87; Xavier sm_72. The build takes over an hour on an Orin with 8 cores.
    ./build.sh --config Release --update --build --parallel --build_shared_lib --skip_tests \
      --use_cuda --cuda_home /usr/local/cuda --cudnn_home /usr/lib/aarch64-linux-gnu \
      --use_tensorrt --tensorrt_home /usr/lib/aarch64-linux-gnu \
      --cmake_extra_defines "CMAKE_CUDA_ARCHITECTURES=72;87" onnxruntime_BUILD_UNIT_TESTS=OFF
    cp -a build/Linux/Release/libonnxruntime*.so* "$prefix/lib/"
    ;;
  *)
    echo "usage: build_onnxruntime.sh build|context VERSION PREFIX" >&2
    exit 2
    ;;
esac
ls "$prefix/lib"
