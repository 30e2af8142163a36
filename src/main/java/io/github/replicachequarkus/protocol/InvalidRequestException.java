package io.github.replicachequarkus.protocol;

/** Bad input from the client: answered with a 4xx and {@code {"error": code, "message": message}}; nothing changes. */
public class InvalidRequestException extends RuntimeException {

    private final int status;
    private final String code;

    public InvalidRequestException(String code, String message) {
        this(400, code, message);
    }

    public InvalidRequestException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
