"""Build step of deploy/Dockerfile.cuda, run by the official PyTorch image's own Python (never by the service).

Checks that the image's torch is the build DJL's JNI library expects (version, CUDA version, C++11 ABI) and stops the
build otherwise; copies torch/lib's shared libraries to /opt/libtorch/lib and the nvidia-* wheels' libraries to
/opt/nvidia (torch's RUNPATH $ORIGIN/../../nvidia/<lib>/lib stays valid), writes /opt/nvidia/ld.so.conf, and puts
DJL's JNI library for the flavor, taken from the app's pytorch-jni jar, beside libtorch and into the engine cache.

usage: python libtorch_from_image.py <libtorch version> <flavor, e.g. cu128> <CUDA version> <DJL version> <app lib dir>
"""
import glob
import os
import shutil
import sys
import zipfile

import torch

version, flavor, cuda, djl, app_lib = sys.argv[1:6]

# 1. the image's torch must be exactly the build DJL's JNI library links against
problems = []
if torch.__version__ not in (version, version + "+" + flavor):
    problems.append("torch is %s, expected %s+%s" % (torch.__version__, version, flavor))
if torch.version.cuda != cuda:
    problems.append("torch is built for CUDA %s, expected %s" % (torch.version.cuda, cuda))
if not torch._C._GLIBCXX_USE_CXX11_ABI:
    problems.append("torch uses the pre-C++11 ABI; DJL's %s JNI library needs the C++11 ABI" % flavor)
if problems:
    sys.exit("refusing this PyTorch image: " + "; ".join(problems))
site = os.path.dirname(os.path.dirname(torch.__file__))
print("torch %s (CUDA %s) from %s" % (torch.__version__, torch.version.cuda, site))

# 2. shared libraries only: DJL System.loads every file of PYTORCH_LIBRARY_PATH (libtorch_python needs Python: left out)
os.makedirs("/opt/libtorch/lib")
for f in sorted(glob.glob(os.path.join(site, "torch", "lib", "*.so*"))):
    if os.path.basename(f) != "libtorch_python.so":
        shutil.copy2(f, "/opt/libtorch/lib/", follow_symlinks=False)
for name in ("libc10.so", "libc10_cuda.so", "libtorch.so", "libtorch_cpu.so", "libtorch_cuda.so"):
    if not os.path.isfile(os.path.join("/opt/libtorch/lib", name)):
        sys.exit("the PyTorch image lacks torch/lib/" + name)
shutil.copytree(os.path.join(site, "nvidia"), "/opt/nvidia", symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.py", "include"))
lib_dirs = sorted(d for d in glob.glob("/opt/nvidia/*/lib") if os.path.isdir(d))
if not lib_dirs:
    sys.exit("the PyTorch image has no nvidia-* CUDA libraries next to torch")
with open("/opt/nvidia/ld.so.conf", "w") as out:
    out.write("\n".join(lib_dirs) + "\n")

# 3. DJL's JNI library for this flavor, from the very pytorch-jni jar the app ships
jar = os.path.join(app_lib, "ai.djl.pytorch.pytorch-jni-%s-%s.jar" % (version, djl))
if not os.path.isfile(jar):
    sys.exit("missing %s: does the app still use DJL %s / libtorch %s?" % (jar, djl, version))
with zipfile.ZipFile(jar) as z:
    if "jni_version=%s-%s" % (version, djl) not in z.read("jnilib/pytorch.properties").decode():
        sys.exit("%s is not the JNI build %s-%s" % (jar, version, djl))
    jni = z.read("jnilib/linux-x86_64/%s/libdjl_torch.so" % flavor)
cache = "/opt/djl-cache/pytorch/%s-%s-linux-x86_64" % (version, flavor)
os.makedirs(cache)
for target in ("/opt/libtorch/lib/%s-libdjl_torch.so" % djl, os.path.join(cache, "%s-libdjl_torch.so" % djl)):
    with open(target, "wb") as out:
        out.write(jni)
print("DJL %s JNI (%s) installed" % (djl, flavor))
