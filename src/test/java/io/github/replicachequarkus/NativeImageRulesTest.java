package io.github.replicachequarkus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.Timer;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

import jakarta.persistence.IdClass;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.replicachequarkus.mutator.Mutator;
import io.github.replicachequarkus.testing.MainClasses;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the native image needs of the code and the JVM build never enforces, checked on the compiled main classes (the
 * ones the image is built from). The native check ({@code docs/development.md}) finds what fails the build; these
 * rules cover what would only fail in the running binary, plus the build-time hazard that is cheap to spot here.
 */
class NativeImageRulesTest {

    private static final String NATIVE_IMAGE_PROPERTIES = "META-INF/native-image/io.github.replicachequarkus/"
            + "replicache-quarkus/native-image.properties";

    /** Values that belong to the machine or the moment that made them; in the image heap they would be the builder's. */
    private static final List<Class<?>> RUN_TIME_ONLY = List.of(RandomGenerator.class, Thread.class, Executor.class,
            Timer.class, AutoCloseable.class, Clock.class, Instant.class);

    /**
     * Records that neither Jackson nor Hibernate ever builds or reads by reflection: values passed between the server's
     * own classes, CDI events, rows read with plain JDBC, configuration. Every other record must be registered.
     */
    private static final Set<String> NEVER_REFLECTED = Set.of(
            "auth.Caller$Granted", "db.DatabaseUrl",
            "store.ClientGroups$Group", "store.ClientGroups$Recorded", "gc.Collector$Run",
            "store.PushRows$Client", "store.PushRows$ClientWrite", "store.PushRows$EntryWrite", "store.PushRows$Snapshot",
            "store.PushRows$Stored",
            "room.ChangeSet", "room.ChangeSet$ClientChange", "protocol.Cookie", "room.ChangeSet$EntryChange",
            "relay.ChangesMissed", "room.SocketCursor$Nothing", "room.SocketCursor$Poke", "room.SocketCursor$WholeState",
            "sync.GroupCommit$Result", "sync.PullPlan$Changes", "sync.PullPlan$ClientStateNotFound", "sync.PullPlan$Reset",
            "sync.PullService$Decided", "sync.PullService$Pulled", "sync.PullService$Refused", "sync.PullService$Snapshot",
            "sync.PullService$Read", "sync.PullService$Hello", "sync.PullService$Answer", "sync.ReadBatches$Lead",
            "sync.RecentPatches$Key", "store.Space$Changes", "store.Entry$Versioned",
            "sync.PushLoop$Failure",
            "sync.PushLoop$Outcome", "sync.PushBatch$Parsed", "sync.PushBatch$Push", "relay.SpaceChanged",
            "sync.MutationWrites$Write", "sync.SpaceWrites$Written", "room.Presence$Change", "room.Presence$Entry",
            "room.RoomPresence$Changed", "room.RoomPresence$Listed", "room.RoomPresence$Due", "relay.MachineGone",
            "relay.RoomMessage",
            "relay.RoomMessage$Numbered",
            "relay.RoomMessage$Stored", "store.SpaceReads$EntryAt", "store.SpaceReads$EntryPage",
            "store.SpaceReads$SpacePage", "store.SpaceReads$ChangePage", "store.SpaceReads$ChangesPurged",
            "store.SpaceReads$SinceAhead", "api.MutateRequest", "relay.SpaceDeleted", "store.PushRows$IdempotentReply",
            "sync.PushBatch$Answer", "sync.PushBatch$Ran", "sync.PushBatch$Repeat", "sync.PushBatch$Replied",
            "sync.PushBatch$ServerWrite", "sync.SpaceWriter$Applied", "sync.SpaceWriter$Call", "store.Outbox",
            "store.Outbox$Event", "webhook.Backoff",
            "webhook.Batch", "webhook.Batch$Change", "webhook.Deliveries$Claimed", "webhook.Deliveries$Space",
            "webhook.Deliveries$Status", "room.RoomActivity$Load", "room.Rooms$PresentClient",
            "routing.MachineReports$MachineRow", "routing.MachineReports$RoomPage", "routing.MachineReports$RoomRow",
            "store.SpaceClients$ClientRow", "store.SpaceClients$GroupPage", "store.SpaceClients$GroupRow",
            "webhook.WebhookAdmin$EndpointState", "webhook.WebhookAdmin$DeadDelivery", "room.Member$ReplyFrame");

    private static final String PACKAGE = NativeImageRulesTest.class.getPackageName() + ".";
    private static final List<Class<?>> MAIN = MainClasses.all();
    private static final Set<Class<?>> REGISTERED = registeredForReflection();

    @Test
    void noClassInitialisedAtBuildTimeHoldsRunTimeStateInAStaticField() {
        Set<String> runTime = initialisedAtRunTime();
        List<String> found = new ArrayList<>();
        for (Class<?> type : MAIN) {
            if (runTime.contains(type.getName())) {
                continue;
            }
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && !field.isSynthetic()) {
                    RUN_TIME_ONLY.stream().filter(kind -> kind.isAssignableFrom(field.getType())).findFirst()
                            .ifPresent(kind -> found.add(name(type) + "." + field.getName() + " (a " + kind.getSimpleName()
                                    + ")"));
                }
            }
        }
        assertEquals(List.of(), found, "Quarkus initialises these classes while the native image is built, so these"
                + " static fields would hold the builder's values: create them at run time (in a bean, or a holder class"
                + " listed in --initialize-at-run-time in " + NATIVE_IMAGE_PROPERTIES + ")");
    }

    @Test
    void everyClassInitialisedAtRunTimeExists() {
        Set<String> runTime = initialisedAtRunTime();
        assertFalse(runTime.isEmpty(), "no --initialize-at-run-time in " + NATIVE_IMAGE_PROPERTIES);
        Set<String> missing = new TreeSet<>(runTime);
        MAIN.forEach(type -> missing.remove(type.getName()));
        // native-image takes an unknown name for a package and says nothing: a renamed class would lose its setting.
        assertEquals(Set.of(), missing, "named in " + NATIVE_IMAGE_PROPERTIES + " but not compiled");
    }

    @Test
    void everyMutatorsArgsTypeIsRegisteredForReflection() {
        List<Class<?>> mutators = MAIN.stream().filter(Mutator.class::isAssignableFrom)
                .filter(type -> !type.isInterface() && !Modifier.isAbstract(type.getModifiers())).toList();
        assertTrue(mutators.stream().anyMatch(type -> type.getSimpleName().equals("CreateTodo")), "mutators found: "
                + mutators);
        Set<String> unregistered = new TreeSet<>();
        for (Class<?> mutator : mutators) {
            for (Class<?> type : unregistered(argsType(mutator), new HashSet<>())) {
                unregistered.add(name(mutator) + ": " + name(type));
            }
        }
        assertEquals(Set.of(), unregistered, "Jackson reads each mutation's args into its mutator's argsType(): in the"
                + " native image these types (and the application's types inside them) need @RegisterForReflection");
    }

    @Test
    void everyRecordJacksonOrHibernateMayReflectOnIsRegistered() {
        Set<Class<?>> idClasses = new HashSet<>();
        MAIN.stream().map(type -> type.getAnnotation(IdClass.class)).filter(idClass -> idClass != null)
                .forEach(idClass -> idClasses.add(idClass.value())); // Quarkus's Hibernate ORM registers these itself
        Set<String> unregistered = new TreeSet<>();
        for (Class<?> type : MAIN) {
            if (type.isRecord() && !REGISTERED.contains(type) && !idClasses.contains(type)
                    && !NEVER_REFLECTED.contains(name(type))) {
                unregistered.add(name(type));
            }
        }
        assertEquals(Set.of(), unregistered, "records the REST or WebSocket layer reads or writes as JSON (and Panache"
                + " projections) are reached by reflection in the native image: annotate them with"
                + " @RegisterForReflection, or, if no JSON or query ever makes one, list it in NEVER_REFLECTED");
        Set<String> stale = new TreeSet<>(NEVER_REFLECTED);
        MAIN.stream().filter(Class::isRecord).forEach(type -> stale.remove(name(type)));
        assertEquals(Set.of(), stale, "NEVER_REFLECTED names records that no longer exist");
    }

    /**
     * What Jackson reads a mutation's args into: argsType(), asked of an instance; of a bean that cannot be made without
     * constructor arguments, the type it gives {@code Mutator<A>} (which argsType() returns as {@code Class<A>}).
     */
    private static Type argsType(Class<?> mutator) {
        try {
            Constructor<?> constructor = mutator.getDeclaredConstructor();
            constructor.setAccessible(true);
            return ((Mutator<?>) constructor.newInstance()).argsType();
        } catch (NoSuchMethodException e) {
            for (Class<?> type = mutator; type != null; type = type.getSuperclass()) {
                for (Type implemented : type.getGenericInterfaces()) {
                    if (implemented instanceof ParameterizedType generic && generic.getRawType() == Mutator.class) {
                        return generic.getActualTypeArguments()[0];
                    }
                }
            }
            throw new AssertionError(name(mutator) + " does not say which Mutator<A> it is");
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("could not make a " + name(mutator) + " to ask its argsType()", e);
        }
    }

    /**
     * The classes in the type that Jackson would reach by reflection and that are not registered: the type itself
     * unless it is the JDK's or a Jackson tree, then its record components (or fields) and type arguments.
     */
    private static Set<Class<?>> unregistered(Type type, Set<Class<?>> seen) {
        Set<Class<?>> found = new HashSet<>();
        if (type instanceof ParameterizedType generic) {
            found.addAll(unregistered(generic.getRawType(), seen));
            Arrays.stream(generic.getActualTypeArguments()).forEach(argument -> found.addAll(unregistered(argument, seen)));
        } else if (type instanceof GenericArrayType array) {
            found.addAll(unregistered(array.getGenericComponentType(), seen));
        } else if (type instanceof WildcardType wildcard) {
            Arrays.stream(wildcard.getUpperBounds()).forEach(bound -> found.addAll(unregistered(bound, seen)));
        } else if (type instanceof Class<?> plain && plain.isArray()) {
            found.addAll(unregistered(plain.getComponentType(), seen));
        } else if (type instanceof Class<?> plain && !plain.isPrimitive() && !plain.getName().startsWith("java.")
                && !JsonNode.class.isAssignableFrom(plain) && seen.add(plain)) {
            if (!REGISTERED.contains(plain)) {
                found.add(plain);
            }
            Stream<Type> inside = plain.isRecord()
                    ? Arrays.stream(plain.getRecordComponents()).map(RecordComponent::getGenericType)
                    : Arrays.stream(plain.getDeclaredFields()).filter(field -> !Modifier.isStatic(field.getModifiers()))
                            .map(Field::getGenericType);
            inside.forEach(member -> found.addAll(unregistered(member, seen)));
        }
        return found;
    }

    /** As Quarkus reads {@code @RegisterForReflection}: the class, its nested classes unless ignored, its targets. */
    private static Set<Class<?>> registeredForReflection() {
        Set<Class<?>> registered = new HashSet<>();
        for (Class<?> type : MAIN) {
            RegisterForReflection registration = type.getAnnotation(RegisterForReflection.class);
            if (registration == null) {
                continue;
            }
            if (registration.targets().length == 0 && registration.classNames().length == 0) {
                registered.add(type);
                if (!registration.ignoreNested()) {
                    addNested(type, registered);
                }
            }
            registered.addAll(Arrays.asList(registration.targets()));
            Arrays.stream(registration.classNames()).map(MainClasses::load).forEach(registered::add);
        }
        return registered;
    }

    private static void addNested(Class<?> type, Set<Class<?>> registered) {
        for (Class<?> nested : type.getDeclaredClasses()) {
            registered.add(nested);
            addNested(nested, registered);
        }
    }

    /** The classes named in {@code --initialize-at-run-time} in the application's native-image.properties. */
    private static Set<String> initialisedAtRunTime() {
        Properties properties = new Properties();
        try (InputStream in = NativeImageRulesTest.class.getClassLoader().getResourceAsStream(NATIVE_IMAGE_PROPERTIES)) {
            assertTrue(in != null, NATIVE_IMAGE_PROPERTIES + " is missing");
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> classes = new TreeSet<>();
        for (String option : properties.getProperty("Args", "").trim().split("\\s+")) {
            if (option.startsWith("--initialize-at-run-time=")) {
                classes.addAll(Arrays.asList(option.substring(option.indexOf('=') + 1).split(",")));
            }
        }
        return classes;
    }

    private static String name(Class<?> type) {
        return type.getName().startsWith(PACKAGE) ? type.getName().substring(PACKAGE.length()) : type.getName();
    }
}
