package ai.t2vzero.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

/**
 * Artifacts as files in one directory, named by their id. A put streams into a temporary file in the same
 * directory (".tmp-*", a name no id can have), forces it to disk, then renames it atomically to the id: readers
 * see either nothing or the complete file. A failed put deletes its temporary file; temporary files a crash left
 * behind expire like artifacts. Content type comes from the extension, created time is the file's mtime, and the
 * ETag is made of size and mtime (the file never changes once renamed).
 */
public final class LocalArtifactStore implements ArtifactStore {

    private static final Logger LOG = Logger.getLogger(LocalArtifactStore.class);

    static final Pattern ID = ArtifactIds.ID;

    static final String TEMP_PREFIX = ".tmp-";

    private final Path dir;

    public LocalArtifactStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir).toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    @Override
    public Artifact put(InputStream content, String contentType, String extension) throws IOException {
        String id = ArtifactIds.newId(extension, contentType);

        Path temp = Files.createTempFile(dir, TEMP_PREFIX, ".part");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(channel);
                content.transferTo(out);
                channel.force(true);
            }
            Files.move(temp, dir.resolve(id), StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
        return find(id).orElseThrow(() -> new NoSuchFileException(dir.resolve(id).toString(),
                null, "artifact vanished right after it was stored"));
    }

    @Override
    public Optional<Artifact> find(String id) throws IOException {
        Optional<Path> file = file(id);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file.get(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? Optional.of(describe(id, a)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String id) throws IOException {
        Path file = file(id).orElseThrow(() -> new NoSuchFileException(id, null, "not an artifact id"));
        return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public boolean delete(String id) throws IOException {
        Optional<Path> file = file(id);
        return file.isPresent() && Files.deleteIfExists(file.get());
    }

    @Override
    public List<Artifact> list() throws IOException {
        List<Artifact> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (ID.matcher(name).matches()) {
                    find(name).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    @Override
    public int deleteCreatedBefore(Instant cutoff) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean artifact = ID.matcher(name).matches();
                if (!artifact && !name.startsWith(TEMP_PREFIX)) {
                    continue; // not ours
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && a.lastModifiedTime().toInstant().isBefore(cutoff) && Files.deleteIfExists(p)) {
                        if (artifact) {
                            deleted++;
                        } else {
                            LOG.infof("deleted abandoned partial artifact %s", p);
                        }
                    }
                } catch (NoSuchFileException e) {
                    // deleted concurrently
                }
            }
        }
        return deleted;
    }

    @Override
    public void checkWritable() throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "the artifact directory is missing");
        }
        if (!Files.isWritable(dir)) {
            throw new AccessDeniedException(dir.toString(), null, "the artifact directory is not writable");
        }
    }

    @Override
    public String url(Artifact artifact, String publicBaseUrl) {
        return ArtifactUrls.artifactUrl(publicBaseUrl, artifact.id());
    }

    @Override
    public Optional<Path> localFile(Artifact artifact) {
        return file(artifact.id());
    }

    /** The file for a well-formed id (the pattern admits no separators, dots-only names or temp names). */
    private Optional<Path> file(String id) {
        return id != null && ID.matcher(id).matches() ? Optional.of(dir.resolve(id)) : Optional.empty();
    }

    private Artifact describe(String id, BasicFileAttributes a) {
        long size = a.size();
        long mtime = a.lastModifiedTime().toMillis();
        String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(mtime) + "\"";
        return new Artifact(id, ArtifactIds.contentType(id), size,
                a.lastModifiedTime().toInstant(), etag, id);
    }
}
