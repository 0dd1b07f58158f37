package ai.t2vzero.pipeline;

import ai.t2vzero.model.controlnet.ControlNetModel;

/**
 * Where the generation service gets its loaded models: by bundle name, loaded once and shared. The bundle registry
 * implements it (so bundle/ depends on pipeline/, never the reverse). Unknown or unloadable names fail with an
 * {@code InvalidFieldException} naming {@code field}.
 */
public interface ModelSource {

    /** The Stable Diffusion components of bundle {@code name} (request field {@code field}). */
    StableDiffusionModels stableDiffusion(String name, String field);

    /** The ControlNet in folder {@code name} (request field {@code field}). */
    ControlNetModel controlNet(String name, String field);
}
