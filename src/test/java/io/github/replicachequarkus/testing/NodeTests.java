package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs a Node test file against a running server (its URL in {@code BASE_URL}): the end-to-end tests that drive the
 * real Replicache client ({@code src/test/e2e}) and the todo app in a browser ({@code src/main/webui/e2e}). Their
 * output goes to {@code target/e2e/<file>.log} and to the console.
 */
public final class NodeTests {

    private NodeTests() {
    }

    /** Runs a test file of {@code src/test/e2e}. */
    public static void run(String testFile, URL server) throws IOException, InterruptedException {
        run(Path.of(System.getProperty("e2e.dir", "src/test/e2e")), testFile, server);
    }

    public static void run(Path packageDirectory, String testFile, URL server) throws IOException, InterruptedException {
        Path directory = packageDirectory.toAbsolutePath();
        assertTrue(Files.isDirectory(directory.resolve("node_modules")),
                "run 'npm ci' in " + directory + " first (the Maven build does it before the integration tests)");
        Path log = Path.of("target", "e2e", Path.of(testFile).getFileName() + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());

        ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", testFile)
                .directory(directory.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("BASE_URL", server.toString().replaceFirst("/$", ""));
        builder.environment().put("AUTH_SECRET", Tokens.SECRET); // the Node tests sign their tokens with it
        Process node = builder.start();
        boolean finished = node.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            node.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(output);
        assertTrue(finished, testFile + " did not finish within 5 minutes; see " + log);
        assertEquals(0, node.exitValue(), testFile + " failed; see " + log);
    }
}
