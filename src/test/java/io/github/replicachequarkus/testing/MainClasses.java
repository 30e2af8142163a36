package io.github.replicachequarkus.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.replicachequarkus.mutator.Mutator;

/** The classes compiled from src/main/java, for tests that check rules over all of them. */
public final class MainClasses {

    private MainClasses() {
    }

    /** Every class compiled from src/main/java, by name, loaded without being initialised. */
    public static List<Class<?>> all() {
        Path root;
        try {
            root = Path.of(Mutator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        assertTrue(Files.isDirectory(root), "the main classes are not in a directory: " + root);
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString).filter(file -> file.endsWith(".class"))
                    .filter(file -> !file.endsWith("module-info.class") && !file.endsWith("package-info.class"))
                    .map(file -> file.substring(0, file.length() - ".class".length()).replace('/', '.'))
                    .sorted().<Class<?>> map(MainClasses::load).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The class of that name, loaded without being initialised. */
    public static Class<?> load(String name) {
        try {
            return Class.forName(name, false, MainClasses.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
