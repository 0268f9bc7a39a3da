using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;

namespace Herald.Server.Mqtt;

/// <summary>
/// MQTT over WebSocket at <c>/mqtt</c> on the HTTP and HTTPS listeners (MQTT 3.1.1 section 6).
/// The WebSocket carries the same byte stream as TCP: a packet may span binary messages and one
/// message may hold several packets [MQTT-6.0.0-2], which the read loop handles as it does TCP
/// segments.
///
/// Reading is a pump from the WebSocket into a pipe rather than <c>PipeReader.Create</c> over a
/// <see cref="WebSocketStream"/>: the read loop cancels its pending read when the engine closes
/// the connection, and cancelling a WebSocket receive aborts the WebSocket, which would drop the
/// packets still to be written (an MQTT 5 DISCONNECT) and skip the closing handshake. The pump's
/// receive takes no token; it ends when the WebSocket closes or is aborted.
/// </summary>
public static class WebSocketEndpoint
{
    public const string Path = "/mqtt";

    /// <summary>[MQTT-6.0.0-3] [MQTT-6.0.0-4] the subprotocol MQTT 3.1.1 and 5 clients offer and the server answers.</summary>
    public const string Subprotocol = "mqtt";

    /// <summary>What MQTT 3.1 clients offered before the standard named "mqtt"; accepted when "mqtt" is not offered.</summary>
    public const string LegacySubprotocol = "mqttv3.1";

    public static void Map(IEndpointRouteBuilder endpoints) => endpoints.Map(Path, HandleAsync);

    private static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, "Not a WebSocket request", $"{Path} serves MQTT over WebSocket: open a WebSocket with the subprotocol '{Subprotocol}'.");
            return;
        }
        var requested = context.WebSockets.WebSocketRequestedProtocols;
        var subprotocol = requested.Contains(Subprotocol) ? Subprotocol
            : requested.Contains(LegacySubprotocol) ? LegacySubprotocol
            : null;
        if (subprotocol is null)
        {
            await Refuse(context, "WebSocket subprotocol 'mqtt' required", $"The client must offer the WebSocket subprotocol '{Subprotocol}' [MQTT-6.0.0-3].");
            return;
        }

        var loop = context.RequestServices.GetRequiredService<ConnectionLoop>();
        using var webSocket = await context.WebSockets.AcceptWebSocketAsync(subprotocol);
        // Completing the output disposes the stream, which closes the WebSocket with a handshake.
        var output = PipeWriter.Create(WebSocketStream.Create(webSocket, WebSocketMessageType.Binary, ownsWebSocket: true));
        var input = new Pipe();
        var receiving = ReceiveAsync(webSocket, input.Writer);

        await loop.RunAsync(RemoteEndPoint(context.Connection), input.Reader, output, context.Abort);
        await input.Reader.CompleteAsync();
        await receiving;
    }

    /// <summary>Copies every binary message into <paramref name="input"/> until the WebSocket closes.</summary>
    private static async Task ReceiveAsync(WebSocket webSocket, PipeWriter input)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var received = await webSocket.ReceiveAsync(input.GetMemory(), CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                    break;
                if (received.MessageType != WebSocketMessageType.Binary)
                {
                    error = new IOException("text WebSocket message; MQTT is carried in binary messages only [MQTT-6.0.0-1]");
                    break;
                }
                input.Advance(received.Count);
                var flushed = await input.FlushAsync();
                if (flushed.IsCompleted)
                    break;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer went away without a closing handshake, or the WebSocket was aborted or closed meanwhile.
            error = new IOException(e.Message, e);
        }
        await input.CompleteAsync(error);
    }

    /// <summary>The HTTP connection's remote address as Kestrel's TCP listeners write it: <c>127.0.0.1:50000</c>, <c>[::1]:50000</c>.</summary>
    private static string RemoteEndPoint(ConnectionInfo connection) =>
        connection.RemoteIpAddress is { } address ? new IPEndPoint(address, connection.RemotePort).ToString() : connection.Id;

    private static Task Refuse(HttpContext context, string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail).ExecuteAsync(context);
}
