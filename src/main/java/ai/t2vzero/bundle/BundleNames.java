package ai.t2vzero.bundle;

import ai.t2vzero.errors.InvalidFieldException;

import java.util.regex.Pattern;

/**
 * The one rule for bundle names (request fields {@code model}, {@code controlnet}): a folder name directly under
 * {@code t2v.models.dir}, 1 to 128 characters from [A-Za-z0-9._-], starting with a letter or digit, without "..",
 * so that no name can leave the models volume. Request validation and the registry both apply it. The same rule
 * admits single-file checkpoints by their file name ({@code my-dreambooth.safetensors}, {@code .ckpt}, {@code .bin},
 * {@code .pt}, {@code .pth}: see {@code SingleFileCheckpoint}).
 */
public final class BundleNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private BundleNames() {}

    /** @throws InvalidFieldException naming {@code field} when {@code name} breaks the rule */
    public static void check(String field, String name) {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new InvalidFieldException(field, field + " must be a bundle name of 1 to 128 characters from"
                    + " [A-Za-z0-9._-], starting with a letter or digit and without \"..\" (got \"" + name + "\")");
        }
    }
}
