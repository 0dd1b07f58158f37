"""The constants diffusers 0.27.2's pipeline_loading_utils imports (values of transformers 4.38.2)."""
WEIGHTS_NAME = "pytorch_model.bin"
SAFE_WEIGHTS_NAME = "model.safetensors"
FLAX_WEIGHTS_NAME = "flax_model.msgpack"


def __getattr__(name):
    import transformers
    return getattr(transformers, name)
