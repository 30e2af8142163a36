package io.github.replicachequarkus.todo;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;

/**
 * The web UI's client-side routes: {@code /list/{spaceID}} (the todo app shows the list), and {@code /console} with the
 * paths under it (the operator console) are the app's page ({@code index.html}, which Quinoa serves at {@code /}); the
 * page then loads what the path shows. Every other unknown path stays a JSON 404.
 * <p>
 * Every HTML page also goes out with {@code Referrer-Policy: no-referrer} and {@code Cache-Control: no-store}: the app
 * may be opened with a token in its address ({@code ?token=<jwt>}), which must neither leave in a {@code Referer} to
 * another site nor stay in a cache. The headers are set by the response's content type, so they follow the page
 * whichever path served it, and leave the API's JSON and the app's scripts and styles (which carry no token) alone.
 */
@ApplicationScoped
public class TodoAppRoutes {

    /** Before Quinoa's UI handler (1100) and Quarkus REST. */
    static final int ORDER = 1000;

    /** Before the page route: every response passes it first. */
    static final int HEADERS_ORDER = ORDER - 10;

    void register(@Observes Router router) {
        router.route().order(HEADERS_ORDER).handler(context -> {
            HttpServerResponse response = context.response();
            context.addHeadersEndHandler(headersWritten -> {
                String type = response.headers().get(HttpHeaders.CONTENT_TYPE);
                if (type != null && type.regionMatches(true, 0, "text/html", 0, "text/html".length())) {
                    response.putHeader("Referrer-Policy", "no-referrer");
                    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
                }
            });
            context.next();
        });
        router.routeWithRegex(HttpMethod.GET, "/list/[A-Za-z0-9_-]{1,64}/?").order(ORDER)
                .handler(context -> context.reroute("/"));
        router.routeWithRegex(HttpMethod.GET, "/console(/[A-Za-z0-9_-]{1,64}){0,3}/?").order(ORDER)
                .handler(context -> context.reroute("/"));
    }
}
