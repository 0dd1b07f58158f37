package ai.t2vzero.function;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import ai.t2vzero.video.FrameSampling;
import ai.t2vzero.video.VideoEncoder;
import ai.t2vzero.video.VideoFormat;
import ai.t2vzero.video.VideoFrames;
import ai.t2vzero.video.VideoInfo;
import ai.t2vzero.video.VideoReader;

/**
 * Input videos for the video modes' end-to-end tests, made by the test itself and uploaded through
 * {@code POST /uploads}; and the download + decode of a result.
 */
public final class TestVideos {

    private TestVideos() {}

    /**
     * {@code count} frames of {@code size}x{@code size} at {@code fps}: a gradient background with a bright square
     * moving right and a dark disc moving down (edges for Canny, motion for the video modes).
     */
    static VideoFrames movingShapes(int size, double fps, int count) {
        List<byte[]> frames = new ArrayList<>(count);
        int side = size / 4;
        for (int f = 0; f < count; f++) {
            byte[] rgb = new byte[size * size * 3];
            int sx = 4 + f * size / 10;
            int cy = size / 4 + f * size / 12;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int p = (y * size + x) * 3;
                    boolean square = x >= sx && x < sx + side && y >= size / 2 && y < size / 2 + side;
                    int dx = x - 3 * size / 4;
                    int dy = y - cy;
                    boolean disc = dx * dx + dy * dy < (size / 8) * (size / 8);
                    int v = square ? 235 : disc ? 20 : 60 + 120 * (x + y) / (2 * size);
                    rgb[p] = (byte) v;
                    rgb[p + 1] = (byte) (square || disc ? v : 200 - v / 2);
                    rgb[p + 2] = (byte) (square || disc ? v : 40 + 20 * f);
                }
            }
            frames.add(rgb);
        }
        return new VideoFrames(size, size, fps, frames);
    }

    /** Encodes {@code video} as MP4, uploads it and returns its reference {@code upload:<id>}. */
    static String upload(VideoFrames video) throws IOException {
        Path mp4 = Files.createTempFile("t2v-input", ".mp4");
        try {
            new VideoEncoder().encode(video, VideoFormat.MP4, mp4);
            return upload(Files.readAllBytes(mp4), "video/mp4");
        } finally {
            Files.deleteIfExists(mp4);
        }
    }

    static String upload(byte[] bytes, String contentType) {
        return given().contentType(contentType).body(bytes).when().post("/uploads")
                .then().statusCode(201).extract().path("video");
    }

    /** The standard input: 6 frames of 64x64 at 6 fps (one second). */
    public static String uploadStandard() throws IOException {
        return upload(movingShapes(64, 6, 6));
    }

    /** Bytes that pass the upload's container sniffing (an MP4 ftyp box) but are no decodable video. */
    static byte[] corruptMp4() {
        byte[] b = new byte[4096];
        new Random(3).nextBytes(b);
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'};
        System.arraycopy(ftyp, 0, b, 0, ftyp.length);
        return b;
    }

    /** A downloaded result: its stream info and every frame decoded at its own rate. */
    record Decoded(VideoInfo info, VideoFrames frames) {}

    /** Downloads an MP4 result and decodes it. */
    static Decoded download(String url) throws IOException {
        byte[] bytes = given().get(url).then().statusCode(200).contentType("video/mp4").extract().asByteArray();
        Path f = Files.createTempFile("t2v-result", ".mp4");
        try {
            Files.write(f, bytes);
            VideoReader reader = new VideoReader(f);
            VideoInfo info = reader.info();
            int longer = Math.max(info.width(), info.height());
            return new Decoded(info, reader.readFrames(FrameSampling.of(0, 1000), longer));
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
