/** Shared neural-network blocks on DJL NDArrays (Linear, Conv2d, GroupNorm, LayerNorm, attention with pluggable processors, ResNet blocks), each loaded by the checkpoint's own key names. */
package ai.t2vzero.model.nn;
