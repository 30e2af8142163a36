package io.github.replicachequarkus.todo;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * The todo app's client-side route: {@code /list/{spaceID}} is the app's page ({@code index.html}, which Quinoa serves
 * at {@code /}); the app then shows the list. Every other unknown path stays a JSON 404.
 */
@ApplicationScoped
public class TodoAppRoutes {

    /** Before Quinoa's UI handler (1100) and Quarkus REST. */
    static final int ORDER = 1000;

    void register(@Observes Router router) {
        router.routeWithRegex(HttpMethod.GET, "/list/[A-Za-z0-9_-]{1,64}/?").order(ORDER)
                .handler(context -> context.reroute("/"));
    }
}
