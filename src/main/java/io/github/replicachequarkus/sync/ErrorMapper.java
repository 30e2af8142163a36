package io.github.replicachequarkus.sync;

import java.io.IOException;
import java.util.stream.Collectors;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.github.replicachequarkus.LogSafe;
import io.github.replicachequarkus.auth.ForbiddenException;
import io.github.replicachequarkus.auth.NotAuthenticatedException;
import io.github.replicachequarkus.protocol.ErrorBody;
import io.github.replicachequarkus.protocol.InvalidRequestException;
import io.github.replicachequarkus.store.Faults;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;

/**
 * Turns every failure into a status and an {@link ErrorBody}: bad input is a 4xx that says what was wrong, an
 * unreachable database is a 503 the client retries, and only our own faults are 500s. No class name or stack trace
 * ever goes out.
 */
public class ErrorMapper {

    /** The status (as proxies log it) of a request whose client left before its answer: nothing is sent. */
    static final int CLIENT_CLOSED_REQUEST = 499;

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    /** 401 makes the Replicache client call its {@code getAuth()} and retry with what it returns. */
    @ServerExceptionMapper
    public Response notAuthenticated(NotAuthenticatedException e) {
        return Response.fromResponse(error(401, "Unauthorized", e.getMessage()))
                .header("WWW-Authenticate", "Bearer realm=\"replicache\"").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return error(403, "Forbidden", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalidJson(JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof StreamConstraintsException limit) {
                return String.valueOf(limit.getMessage()).contains("Document length")
                        ? error(413, "PayloadTooLarge", "the body is larger than allowed")
                        : error(400, "InvalidRequest", "the body is too deeply nested or has too long a value");
            }
        }
        return error(400, "InvalidRequest", describe(e));
    }

    /** Quarkus maps this one itself (echoing Java details); ours takes precedence. */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response mismatchedJson(MismatchedInputException e) {
        return invalidJson(e);
    }

    /** The HTTP layer's refusals (404 for a path nothing serves, 405, 415...), and bodies it could not read. */
    @ServerExceptionMapper
    public Response http(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return invalidJson(json);
        }
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 400 -> "InvalidRequest";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 406 -> "NotAcceptable";
            case 413 -> "PayloadTooLarge";
            case 415 -> "UnsupportedMediaType";
            default -> status >= 500 ? "InternalError" : "HttpError";
        };
        return error(status, code, Response.Status.fromStatusCode(status) == null ? "HTTP " + status
                : Response.Status.fromStatusCode(status).getReasonPhrase());
    }

    /** The lane's queue is full: the client retries (Replicache backs off on any status other than 200). */
    @ServerExceptionMapper
    public Response busy(BusyException e) {
        return Response.fromResponse(error(503, "Busy", e.getMessage())).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, HttpServerRequest request) {
        if (Faults.isUnavailable(e)) {
            Log.warnf("Database unavailable: %s", LogSafe.of(rootMessage(e)));
            return Response.fromResponse(error(503, "Unavailable", "the database is unavailable or busy; try again"))
                    .header("Retry-After", "1").build();
        }
        if (Faults.isRace(e)) {
            Log.warnf("Transaction kept losing races: %s", LogSafe.of(rootMessage(e)));
            return Response.fromResponse(error(503, "Busy", "too much contention on this space; try again"))
                    .header("Retry-After", "1").build();
        }
        if (ClientGone.caused(e) || (request.response().closed() && hasIOException(e))) {
            // A client that hung up (or reset) while its answer was written: no answer reaches it, none of ours failed.
            Log.debugf("The client of %s %s went away: %s", request.method(), LogSafe.of(request.path()),
                    LogSafe.of(rootMessage(e)));
            return error(CLIENT_CLOSED_REQUEST, "ClientClosedRequest", "the client closed the connection");
        }
        Log.error("Request failed", LogSafe.failure(e));
        return error(500, "InternalError", "the server failed to handle the request");
    }

    private static boolean hasIOException(Throwable e) {
        for (Throwable cause = e; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(code, message)).build();
    }

    /** Where the JSON went wrong and how, in the client's terms (fields and JSON types, not Java types). */
    static String describe(JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonParseException syntax) {
                String where = syntax.getLocation() == null ? ""
                        : " (line %d, column %d)".formatted(syntax.getLocation().getLineNr(),
                                syntax.getLocation().getColumnNr());
                return "the body is not valid JSON" + where + ": " + syntax.getOriginalMessage().lines().findFirst().orElse("");
            }
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String path = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining()).replaceFirst("^\\.", "");
            return path + " has the wrong type or shape";
        }
        return "the body has the wrong shape (a JSON object is expected)";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
