/**
 * Video in and out of the pipelines: {@link ai.t2vzero.video.VideoReader} samples and resizes the frames of any
 * video FFmpeg reads, {@link ai.t2vzero.video.VideoEncoder} writes MP4 (H.264) and GIF,
 * {@link ai.t2vzero.video.CannyEdges} makes ControlNet's edge maps, and {@link ai.t2vzero.video.FrameTensors}
 * converts {@link ai.t2vzero.video.VideoFrames} to and from DJL tensors.
 */
package ai.t2vzero.video;
