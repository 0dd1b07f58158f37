package ai.t2vzero.function;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.restassured.response.Response;

/**
 * What every video mode (edge-to-video, pose-to-video, video-pix2pix) does the same way, run against the app with
 * its demo bundles (written on first use) and a test video uploaded through POST /uploads: plain HTTP and both
 * CloudEvent modes give the same video (3 frames, 64x64, 3 fps, as asked), and an input video that is missing, of
 * another kind, unknown, refused or undecodable is a 4xx naming the field "video", with no temp file left behind.
 */
abstract class VideoModeFunctionTestBase {

    /** 3 frames sampled at 3 fps from the 1-second test video, 64 pixels, 2 steps. */
    static final String JOB = "{\"prompt\":\"a robot on a beach\",\"video\":\"%s\",\"videoLength\":3,\"fps\":3,"
            + "\"resolution\":64,\"numInferenceSteps\":2,\"seed\":%d%s}";

    private static String standardVideo;

    /** The function under test, e.g. "edge-to-video". */
    abstract String function();

    /** The uploaded 6-frame, 64x64, 6 fps test video: {@code upload:<id>}. */
    static synchronized String standardVideo() throws IOException {
        if (standardVideo == null) {
            standardVideo = TestVideos.uploadStandard();
        }
        return standardVideo;
    }

    /** A small job on the test video, with extra JSON members ({@code ,"k":v...}) appended. */
    static String job(long seed, String extra) throws IOException {
        return String.format(JOB, standardVideo(), seed, extra);
    }

    @Test
    void everyChannelGivesTheRequestedVideo() throws IOException {
        String body = job(5, "");
        Response http = Channel.PLAIN_HTTP.post(function(), body).statusCode(200).contentType("application/json")
                .body("format", equalTo("mp4")).body("frames", equalTo(3)).body("width", equalTo(64))
                .body("height", equalTo(64)).body("fps", equalTo(3)).body("seed", equalTo(5))
                .body("url", startsWith("http://")).extract().response();
        assertTrue(http.jsonPath().getMap("timings").containsKey("video_read"), http.asString());
        Response binary = Channel.BINARY_CE.post(function(), body).statusCode(200)
                .header("ce-type", function() + ".output").header("ce-source", function())
                .body("frames", equalTo(3)).extract().response();
        Response structured = Channel.STRUCTURED_CE.post(function(), body).statusCode(200)
                .contentType("application/cloudevents+json")
                .body("type", equalTo(function() + ".output")).body("source", equalTo(function()))
                .body("data.frames", equalTo(3)).extract().response();

        TestVideos.Decoded viaHttp = TestVideos.download(http.jsonPath().getString("url"));
        assertEquals("h264", viaHttp.info().codec());
        assertEquals(3, viaHttp.info().frameCount());
        assertEquals(64, viaHttp.info().width());
        assertEquals(64, viaHttp.info().height());
        assertEquals(3.0, viaHttp.info().fps(), 1e-6);
        assertSameFrames(viaHttp, TestVideos.download(binary.jsonPath().getString("url")));
        assertSameFrames(viaHttp, TestVideos.download(structured.jsonPath().getString("data.url")));
    }

    @ParameterizedTest
    @EnumSource(Channel.class)
    void missingVideoIs400(Channel channel) {
        channel.post(function(), "{\"prompt\":\"a robot\"}").statusCode(400).contentType("application/json")
                .body("error", is("invalid_video_reference")).body("field", is("video"))
                .body("message", containsString("`video` is required"));
    }

    @Test
    void videoOfAnotherKindIs400() {
        Channel.PLAIN_HTTP.post(function(), "{\"prompt\":\"a robot\",\"video\":\"ftp://example.com/a.mp4\"}")
                .statusCode(400).body("error", is("invalid_video_reference")).body("field", is("video"))
                .body("message", containsString("`video` must be an http(s) URL or upload:<id> from POST /uploads"));
    }

    @Test
    void unknownUploadIs404() {
        Channel.BINARY_CE.post(function(), "{\"prompt\":\"a robot\",\"video\":\"upload:" + "0".repeat(32) + "\"}")
                .statusCode(404).contentType("application/json")
                .body("error", is("upload_not_found")).body("field", is("video"));
    }

    @Test
    void urlOfAPrivateAddressIs400() {
        Channel.STRUCTURED_CE.post(function(), "{\"prompt\":\"a robot\",\"video\":\"http://127.0.0.1:9/clip.mp4\"}")
                .statusCode(400).contentType("application/json").body("field", is("video"));
    }

    @Test
    void undecodableVideoIs422AndLeavesNoTempFile() throws IOException {
        String corrupt = TestVideos.upload(TestVideos.corruptMp4(), "video/mp4");
        long before = checkedOut();
        Channel.PLAIN_HTTP.post(function(), "{\"prompt\":\"a robot\",\"video\":\"" + corrupt + "\",\"resolution\":64}")
                .statusCode(422).contentType("application/json")
                .body("error", is("unreadable_video")).body("field", is("video"))
                .body("message", containsString("the video"));
        assertEquals(before, checkedOut(), "the fetched copy of the input video is deleted");
    }

    @Test
    void invalidCommonFieldsAre400() throws IOException {
        String video = standardVideo();
        Object[][] cases = {
                {"{\"video\":\"" + video + "\"}", "prompt"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"resolution\":32}", "resolution"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"resolution\":4096}", "resolution"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"videoLength\":0}", "videoLength"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"fps\":0}", "fps"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"numInferenceSteps\":0}", "numInferenceSteps"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"guidanceScale\":-1}", "guidanceScale"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"chunkSize\":1}", "chunkSize"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"format\":\"webm\"}", "format"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"model\":\"../x\"}", "model"},
                {"{\"prompt\":\"x\",\"video\":\"" + video + "\",\"model\":\"no-such-bundle\"}", "model"},
        };
        for (Object[] c : cases) {
            Channel.PLAIN_HTTP.post(function(), (String) c[0]).statusCode(400)
                    .body("error", is("invalid_argument")).body("field", is(c[1]));
        }
    }

    /** Files in the upload store's checkout folder (the callers' copies of uploads). */
    private static long checkedOut() throws IOException {
        Path dir = Path.of("target/test-uploads/.checkout");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    static void assertSameFrames(TestVideos.Decoded a, TestVideos.Decoded b) {
        assertEquals(a.frames().frameCount(), b.frames().frameCount());
        for (int i = 0; i < a.frames().frameCount(); i++) {
            assertArrayEquals(a.frames().frame(i), b.frames().frame(i), "frame " + i + ": same request, same video");
        }
    }

    /** Whether two results differ somewhere. */
    static boolean differ(TestVideos.Decoded a, TestVideos.Decoded b) {
        for (int i = 0; i < Math.min(a.frames().frameCount(), b.frames().frameCount()); i++) {
            if (!java.util.Arrays.equals(a.frames().frame(i), b.frames().frame(i))) {
                return true;
            }
        }
        return false;
    }

    static String url(String function, String body) {
        return given().contentType("application/json").body(body).post("/" + function)
                .then().statusCode(200).extract().path("url");
    }
}
