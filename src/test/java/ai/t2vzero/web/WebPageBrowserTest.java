package ai.t2vzero.web;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web page in a real browser: Debian's chromium, driven headless through its chromedriver by Selenium, against
 * the running app (demo bundle). Nothing is downloaded: the driver and the browser are the system's (Selenium Manager
 * is never asked), and a missing browser fails the test with the command that installs it (.ci/run installs it).
 * Screenshots go to target/web/.
 */
@QuarkusTest
class WebPageBrowserTest {

    static final Path CHROMIUM = Path.of(System.getProperty("t2vzero.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("t2vzero.chromedriver", "/usr/bin/chromedriver"));
    static final Path SHOTS = Path.of("target/web");

    /** A 2-frame job on the demo bundle at its native 256x256, 10 steps: a few seconds, several progress events. */
    static final Map<String, String> SMALL_JOB = Map.of("videoLength", "2", "numInferenceSteps", "10", "t0", "6",
            "t1", "8", "seed", "42");

    @TestHTTPResource("/")
    URL page;

    WebDriver driver;
    WebDriverWait wait;

    @BeforeEach
    void openBrowser() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): apt-get install -y chromium chromium-driver (.ci/run installs them when missing)");
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--hide-scrollbars", "--autoplay-policy=no-user-gesture-required",
                "--user-data-dir=" + Path.of("target/web/chromium-profile").toAbsolutePath());
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        driver.get(page.toString());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-text-to-video")));
    }

    @AfterEach
    void closeBrowser() {
        if (driver != null) {
            // no job of this test outlives it (the app shuts down after the last test class)
            ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "const jobs = JSON.parse(sessionStorage.getItem('t2v.jobs') || '[]')"
                    + "  .filter(j => j.status === 'queued' || j.status === 'running');"
                    + "Promise.allSettled(jobs.map(j => fetch('/jobs/' + j.id, {method: 'DELETE'}))).then(() => done());");
            driver.quit();
        }
    }

    @Test
    void textToVideoJobRunsWithProgressPlaysAndCancels() throws IOException {
        // 1. a small job: the bar moves, the video plays inline and downloads
        fill("text-to-video", Map.of("prompt", "a horse galloping on a street"));
        fill("text-to-video", SMALL_JOB);
        js("window.__progress = [];"
                + "new MutationObserver(() => window.__progress.push("
                + "  Number(document.getElementById('job-progress').getAttribute('aria-valuenow')))"
                + ").observe(document.getElementById('job-progress'), {attributes: true});");
        driver.findElement(By.id("text-to-video-submit")).click();
        String firstJob = waitForStatus("succeeded", Duration.ofMinutes(4));

        @SuppressWarnings("unchecked")
        List<Number> seen = (List<Number>) js("return window.__progress;");
        assertTrue(seen.stream().anyMatch(v -> v.doubleValue() > 0 && v.doubleValue() < 100),
                "the bar showed a value between 0 and 100 while running: " + seen);
        assertEquals(100, seen.get(seen.size() - 1).intValue(), "the bar ends full: " + seen);
        for (int i = 1; i < seen.size(); i++) {
            assertTrue(seen.get(i).doubleValue() >= seen.get(i - 1).doubleValue(), "the bar never goes back: " + seen);
        }

        WebElement video = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#job-media video")));
        String src = video.getAttribute("src");
        assertTrue(src.startsWith("http"), src);
        assertEquals(src, driver.findElement(By.id("job-download")).getAttribute("href"), "download link = the video");
        // playable: the browser decoded its metadata and frames (H.264 in an MP4)
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> ((Number) js(
                "const v = document.querySelector('#job-media video'); return v.readyState;")).intValue() >= 2);
        assertTrue(((Number) js("return document.querySelector('#job-media video').duration;")).doubleValue() > 0);
        assertEquals(List.of(), js("const v = document.querySelector('#job-media video'); return v.error ? [v.error.code] : [];"));
        // its source downloads: 200, video/mp4, not empty
        @SuppressWarnings("unchecked")
        Map<String, Object> download = (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch(arguments[0]).then(async r => done({status: r.status,"
                        + "  type: r.headers.get('Content-Type'), size: (await r.arrayBuffer()).byteLength}))"
                        + ".catch(e => done({error: String(e)}));", src);
        assertEquals(200L, ((Number) download.get("status")).longValue(), download.toString());
        assertEquals("video/mp4", download.get("type"));
        assertTrue(((Number) download.get("size")).longValue() > 1000, download.toString());
        assertTrue(driver.findElement(By.id("job-meta")).getText().contains("seed 42"));
        js("document.querySelector('#form-text-to-video details').open = false; window.scrollTo(0, 0);");
        screenshot("finished.png");

        // 2. a second job (the defaults: 8 frames, 50 steps) canceled while it runs
        clear("text-to-video", SMALL_JOB.keySet());
        driver.findElement(By.id("text-to-video-reset")).click();
        fill("text-to-video", Map.of("prompt", "a second horse, canceled"));
        driver.findElement(By.id("text-to-video-submit")).click();
        wait.until(d -> !d.findElement(By.id("job-title")).getText().contains(firstJob));
        WebElement cancel = wait.until(ExpectedConditions.elementToBeClickable(By.id("job-cancel")));
        cancel.click();
        String secondJob = waitForStatus("canceled", Duration.ofMinutes(2));
        assertFalse(driver.findElement(By.id("job-cancel")).isDisplayed(), "no cancel button on a finished job");
        assertTrue(driver.findElement(By.id("job-result")).getAttribute("hidden") != null, "a canceled job has no video");

        // 3. both jobs are listed as this session's, newest first, with their outcome
        List<WebElement> items = driver.findElements(By.cssSelector("#recent .recent-item"));
        assertTrue(items.size() >= 2, "session jobs: " + items.size());
        assertEquals("canceled", items.get(0).getAttribute("data-status"));
        assertEquals("succeeded", items.get(1).getAttribute("data-status"));
        assertTrue(items.get(0).getAttribute("data-job").startsWith(secondJob));
        assertTrue(items.get(1).getAttribute("data-job").startsWith(firstJob));
        // still listed after a reload (sessionStorage), and a listed job opens again with its video
        driver.navigate().refresh();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-text-to-video")));
        List<WebElement> after = driver.findElements(By.cssSelector("#recent .recent-item"));
        assertEquals(items.size(), after.size());
        after.get(1).findElement(By.cssSelector(".recent-open")).click();
        waitForStatus("succeeded", Duration.ofSeconds(30));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#job-media video")));
    }

    @Test
    void serverErrorsAreShownNextToTheirField() throws IOException {
        fill("text-to-video", Map.of("prompt", "a horse", "t0", "47", "t1", "44"));
        driver.findElement(By.id("text-to-video-submit")).click();
        WebElement error = wait.until(d -> {
            WebElement e = d.findElement(By.id("text-to-video-t0-error"));
            return e.getText().isEmpty() ? null : e;
        });
        assertEquals("t0 must be < t1 (got t0=47, t1=44)", error.getText(), "the server's message, next to t0");
        assertTrue(error.isDisplayed());
        assertEquals("true", driver.findElement(By.id("text-to-video-t0")).getAttribute("aria-invalid"));
        assertTrue(driver.findElements(By.cssSelector("#recent .recent-item")).isEmpty(), "no job was created");
        screenshot("field-error.png");

        // editing the field clears its message
        driver.findElement(By.id("text-to-video-t0")).sendKeys("0");
        assertEquals("", driver.findElement(By.id("text-to-video-t0-error")).getText());

        // a bound the page knows from /config/defaults is checked before sending, shown the same way
        clear("text-to-video", List.of("t0", "t1", "videoLength"));
        driver.findElement(By.id("text-to-video-reset")).click();
        fill("text-to-video", Map.of("prompt", "a horse", "videoLength", "1000"));
        driver.findElement(By.id("text-to-video-submit")).click();
        WebElement lengthError = driver.findElement(By.id("text-to-video-videoLength-error"));
        assertFalse(lengthError.getText().isEmpty(), "out-of-bounds videoLength");
    }

    @Test
    void everyModeHasItsFormAndThePageFitsAPhone() throws IOException {
        for (String fn : List.of("edge-to-video", "pose-to-video", "video-pix2pix")) {
            driver.findElement(By.id("tab-" + fn)).click();
            WebElement form = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("form-" + fn)));
            assertTrue(form.findElement(By.id(fn + "-video")).isDisplayed(), fn + ": video URL field");
            // a number field with its bounds and default from /config/defaults (token merging: 0 = off, below 1)
            WebElement merging = form.findElement(By.id(fn + "-mergingRatio"));
            assertEquals(List.of("number", "0", "1", "any", "0"), List.of(merging.getAttribute("type"),
                    merging.getAttribute("min"), merging.getAttribute("max"), merging.getAttribute("step"),
                    merging.getAttribute("value")), fn + ": mergingRatio");
            assertEquals("file", form.findElement(By.id(fn + "-video-file")).getAttribute("type"), fn + ": upload");
            // every control has a label
            for (WebElement c : form.findElements(By.cssSelector("input, select, textarea"))) {
                assertEquals(1, driver.findElements(By.cssSelector("label[for='" + c.getAttribute("id") + "']")).size(),
                        fn + ": label of " + c.getAttribute("id"));
            }
        }
        driver.findElement(By.id("tab-text-to-video")).click();
        driver.manage().window().setSize(new Dimension(390, 844));
        Number overflow = (Number) js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0, overflow.intValue(), "no horizontal scrolling at phone width");
        screenshot("phone.png");
    }

    // ---- helpers ----

    /** Types values into the fields of {@code fn}'s form, opening "More settings" when a field is inside it. */
    private void fill(String fn, Map<String, String> values) {
        for (Map.Entry<String, String> e : values.entrySet()) {
            WebElement input = driver.findElement(By.id(fn + "-" + e.getKey()));
            revealed(input);
            input.clear();
            input.sendKeys(e.getValue());
        }
    }

    private void clear(String fn, Iterable<String> names) {
        for (String name : names) {
            WebElement input = driver.findElement(By.id(fn + "-" + name));
            revealed(input);
            input.clear();
        }
    }

    private void revealed(WebElement input) {
        if (!input.isDisplayed()) {
            js("arguments[0].closest('details').open = true;", input);
        }
    }

    /** Waits for the job panel's status badge to read {@code status}; returns the job's short id from the title. */
    private String waitForStatus(String status, Duration timeout) {
        try {
            new WebDriverWait(driver, timeout).until(d -> {
                String s = d.findElement(By.id("job-status")).getText().toLowerCase();
                if (!s.equals(status) && (s.equals("failed") || s.equals("succeeded") || s.equals("canceled"))) {
                    throw new AssertionError("job ended " + s + " instead of " + status + ": "
                            + d.findElement(By.id("job-error")).getText());
                }
                return s.equals(status);
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("job status is '" + driver.findElement(By.id("job-status")).getText()
                    + "' after " + timeout + " (" + driver.findElement(By.id("job-detail")).getText() + ")", e);
        }
        String title = driver.findElement(By.id("job-title")).getText();
        return title.substring(title.lastIndexOf(' ') + 1);
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SHOTS);
        Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
