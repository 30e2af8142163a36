package io.github.replicachequarkus;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;

/**
 * The packages of the server and which may use which. A package sees only those below it: a change that needs an arrow
 * upwards (storage calling the rooms, say) is a design change, to be made here on purpose and in
 * {@code docs/architecture.md}, not by accident in an import.
 */
class ArchitectureTest {

    private static final String BASE = ArchitectureTest.class.getPackageName();

    /** Each package, and the packages it may use; the root package (shared helpers) may be used by all. */
    private static final Map<String, List<String>> MAY_USE = mayUse();

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(BASE);

    private static Map<String, List<String>> mayUse() {
        Map<String, List<String>> mayUse = new LinkedHashMap<>();
        mayUse.put("protocol", List.of());
        mayUse.put("db", List.of());
        mayUse.put("auth", List.of());
        mayUse.put("store", List.of());
        mayUse.put("mutator", List.of());
        mayUse.put("relay", List.of());
        mayUse.put("sync", List.of("protocol", "auth", "store", "mutator", "relay"));
        mayUse.put("room", List.of("protocol", "auth", "store", "relay", "sync"));
        mayUse.put("routing", List.of("protocol", "auth", "store", "room"));
        mayUse.put("gc", List.of("store", "room"));
        mayUse.put("todo", List.of("store", "mutator"));
        mayUse.put("api", List.of("protocol", "auth", "store", "sync"));
        mayUse.put("webhook", List.of("store", "relay"));
        mayUse.put("console", List.of("protocol", "auth", "store", "relay", "sync", "room", "routing", "webhook"));
        return mayUse;
    }

    @Test
    void thePackagesFormNoCycle() {
        slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void eachPackageUsesOnlyThoseBelowIt() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("(root)").definedBy(BASE);
        for (String name : MAY_USE.keySet()) {
            layers = layers.layer(name).definedBy(BASE + "." + name + "..");
        }
        layers = layers.whereLayer("(root)").mayNotAccessAnyLayer();
        for (Map.Entry<String, List<String>> rule : MAY_USE.entrySet()) {
            List<String> allowed = new ArrayList<>(rule.getValue());
            allowed.add("(root)");
            layers = layers.whereLayer(rule.getKey()).mayOnlyAccessLayers(allowed.toArray(String[]::new));
        }
        layers.check(MAIN);
    }

    @Test
    void everyPackageHasItsRule() {
        List<String> unlisted = MAIN.stream().map(type -> type.getPackageName())
                .filter(name -> name.startsWith(BASE + "."))
                .map(name -> name.substring(BASE.length() + 1).split("\\.")[0])
                .distinct().filter(name -> !MAY_USE.containsKey(name)).toList();
        assertEquals(List.of(), unlisted,
                "packages without a rule in ArchitectureTest (say which packages each may use)");
    }
}
