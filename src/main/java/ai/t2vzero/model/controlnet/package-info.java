/** ControlNet (diffusers' ControlNetModel): residuals for the UNet from a conditioning image such as edges or a pose. */
package ai.t2vzero.model.controlnet;
