package io.github.replicachequarkus.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal HTTP/1.1 client for JSON POSTs over one kept-alive connection (plain or TLS), blocking, for one thread.
 * The push loops use it rather than the JDK's {@code HttpClient}, which on this machine spent about 480 µs of CPU per
 * small request against a trivial server, where this spends about 35 µs: on 2 cores, at the target rates, the JDK
 * client alone would take more than a core from the server under test.
 */
final class Http1Client implements AutoCloseable {

    /** A response: its status and its whole body. */
    record Response(int status, byte[] body) {

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final URI base;
    private final String token;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Http1Client(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** POSTs a JSON body to a path (with its query) under the base URI. */
    Response post(String pathAndQuery, byte[] body) throws IOException {
        boolean fresh = socket == null;
        if (fresh) {
            connect();
        }
        try {
            return exchange(pathAndQuery, body);
        } catch (IOException e) {
            disconnect();
            if (fresh) {
                throw e;
            }
            // The server may have closed the kept-alive connection meanwhile: once more on a new one.
            connect();
            return exchange(pathAndQuery, body);
        }
    }

    private Response exchange(String pathAndQuery, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256).append("POST ").append(base.getRawPath()).append(pathAndQuery)
                .append(" HTTP/1.1\r\nHost: ").append(base.getHost());
        if (base.getPort() > 0) {
            head.append(':').append(base.getPort());
        }
        head.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();

        String status = line();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = status.startsWith("HTTP/1.0");
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, Math.max(colon, 0)).strip();
            String value = header.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase().contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        byte[] content;
        if (chunked) {
            content = chunks();
        } else if (length >= 0) {
            content = in.readNBytes((int) length);
            if (content.length < length) {
                throw new EOFException("the body ended after " + content.length + " of " + length + " bytes");
            }
        } else {
            content = in.readAllBytes();
            close = true;
        }
        if (close) {
            disconnect();
        }
        return new Response(code, content);
    }

    private byte[] chunks() throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int extension = size.indexOf(';');
            int length = Integer.parseInt((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
            if (length == 0) {
                while (!line().isEmpty()) {
                    // trailers: none expected, skipped
                }
                return content.toByteArray();
            }
            byte[] chunk = in.readNBytes(length);
            if (chunk.length < length) {
                throw new EOFException("a chunk ended early");
            }
            content.write(chunk);
            line();
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the connection closed");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private void connect() throws IOException {
        boolean tls = "https".equalsIgnoreCase(base.getScheme());
        int port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
        Socket connection;
        if (tls) {
            SSLSocket secure = (SSLSocket) SSLSocketFactory.getDefault().createSocket(base.getHost(), port);
            SSLParameters parameters = secure.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            secure.setSSLParameters(parameters);
            connection = secure;
        } else {
            connection = new Socket();
            connection.connect(new InetSocketAddress(base.getHost(), port), 10_000);
        }
        connection.setTcpNoDelay(true);
        connection.setSoTimeout(120_000);
        socket = connection;
        in = new BufferedInputStream(connection.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(connection.getOutputStream(), 16 * 1024);
    }

    private void disconnect() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // gone already
            }
            socket = null;
        }
    }

    @Override
    public void close() {
        disconnect();
    }
}
