using System.IO.Pipelines;
using System.Net.WebSockets;
using Herald.Broker.Connections;
using Microsoft.AspNetCore.Connections;

namespace Herald.Server.Mqtt;

/// <summary>
/// Serves MQTT on one duplex byte stream, whatever carries it (TCP, TLS, WebSocket). The task is
/// the connection's lifetime: a read loop hands every buffer to the engine and advances past what
/// it consumed; a writer loop drains the connection's outbound queue and flushes once per batch.
/// </summary>
public sealed class ConnectionLoop(Broker.Broker broker, ILogger<ConnectionLoop> logger)
{
    /// <summary>How long the last packets (a refusing CONNACK, say) may take to flush after a close.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the connection until either side closes it. <paramref name="abort"/> tears the
    /// transport down when the last packets do not drain in time. <paramref name="certificateIdentity"/>
    /// is the name in a client certificate the transport verified, which logs the client in.
    /// </summary>
    public async Task RunAsync(string remoteEndPoint, PipeReader input, PipeWriter output, Action abort, string? certificateIdentity = null)
    {
        var client = broker.Accept(remoteEndPoint, certificateIdentity);
        var writing = WriteLoopAsync(client, output);
        try
        {
            // Read inline rather than in a method of its own: one state machine less per connection.
            while (true)
            {
                var result = await input.ReadAsync(client.Closing);
                var buffer = result.Buffer;
                var consumed = await client.ReceiveAsync(buffer);
                if (client.IsClosed)
                {
                    input.AdvanceTo(buffer.End);
                    break;
                }
                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                    break;
            }
        }
        catch (OperationCanceledException) when (client.IsClosed)
        {
            // The engine closed the connection (keep-alive, takeover, DISCONNECT, shutdown).
        }
        catch (Exception e) when (e is ConnectionResetException or IOException or ConnectionAbortedException)
        {
            HandlerLog.TransportError(logger, client.RemoteEndPoint, e.Message);
        }
        finally
        {
            client.Close(DisconnectReason.ConnectionLost);
            try
            {
                await writing.WaitAsync(DrainTimeout);
            }
            catch (TimeoutException)
            {
                abort();
            }
        }
    }

    private async Task WriteLoopAsync(ClientConnection client, PipeWriter output)
    {
        try
        {
            while (await client.WaitToWriteAsync())
            {
                client.WriteOutbound(output);
                if (output.CanGetUnflushedBytes)
                    broker.Metrics.BytesSentAdd(output.UnflushedBytes);
                var flushed = await output.FlushAsync();
                if (flushed.IsCompleted)
                    return;
            }
        }
        catch (Exception e) when (IsWriteError(e))
        {
            HandlerLog.TransportError(logger, client.RemoteEndPoint, e.Message);
        }
        finally
        {
            try
            {
                await output.CompleteAsync();
            }
            catch (Exception e) when (IsWriteError(e))
            {
                // A stream's writer (WebSocket) writes what it still holds when completed: after a
                // failed write that fails again, and the failure was logged above.
            }
        }
    }

    /// <summary>
    /// The peer or the transport went away while writing. Over WebSocket a dropped peer is a
    /// WebSocketException, a write once the WebSocket was aborted is refused with
    /// NotSupportedException and a send cut short by an abort ends in OperationCanceledException.
    /// </summary>
    private static bool IsWriteError(Exception e) =>
        e is ConnectionResetException or IOException or ConnectionAbortedException or InvalidOperationException
            or WebSocketException or NotSupportedException or OperationCanceledException;
}
