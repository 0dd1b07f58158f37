package ai.t2vzero.artifact;

import java.time.Instant;

/**
 * One stored, immutable file (a generated video).
 *
 * @param id          unguessable name, 32 hex digits (128 random bits) plus the extension: "3f9c...e1.mp4"
 * @param contentType media type, determined by the extension
 * @param size        bytes
 * @param created     when it was stored; retention counts from here
 * @param etag        strong entity tag, quotes included, e.g. "\"1f2a3-18c0d2e4f10\""
 * @param key         where the bytes live inside the store: the file name under t2v.artifacts.dir, or the object
 *                    key in the bucket. URLs for clients come from {@link ArtifactStore#url}
 */
public record Artifact(String id, String contentType, long size, Instant created, String etag, String key) {}
