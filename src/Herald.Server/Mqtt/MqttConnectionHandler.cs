using System.IO.Pipelines;
using Herald.Broker.Connections;
using Microsoft.AspNetCore.Connections;

namespace Herald.Server.Mqtt;

/// <summary>
/// Serves MQTT on a Kestrel connection. The task is the connection's lifetime: a read loop hands
/// every buffer to the engine and advances past what it consumed; a writer loop drains the
/// connection's outbound queue and flushes once per batch.
/// </summary>
public sealed class MqttConnectionHandler(Broker.Broker broker, ILogger<MqttConnectionHandler> logger) : ConnectionHandler
{
    /// <summary>How long the last packets (a refusing CONNACK, say) may take to flush after a close.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var client = broker.Accept(connection.RemoteEndPoint?.ToString() ?? connection.ConnectionId);
        var writing = WriteLoopAsync(client, connection.Transport.Output);
        try
        {
            await ReadLoopAsync(client, connection.Transport.Input);
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
                connection.Abort();
            }
        }
    }

    private static async Task ReadLoopAsync(ClientConnection client, PipeReader input)
    {
        while (true)
        {
            var result = await input.ReadAsync(client.Closing);
            var buffer = result.Buffer;
            var consumed = await client.ReceiveAsync(buffer);
            if (client.IsClosed)
            {
                input.AdvanceTo(buffer.End);
                return;
            }
            input.AdvanceTo(consumed, buffer.End);
            if (result.IsCompleted)
                return;
        }
    }

    private async Task WriteLoopAsync(ClientConnection client, PipeWriter output)
    {
        try
        {
            while (await client.WaitToWriteAsync(CancellationToken.None))
            {
                client.WriteOutbound(output);
                var flushed = await output.FlushAsync();
                if (flushed.IsCompleted)
                    return;
            }
        }
        catch (Exception e) when (e is ConnectionResetException or IOException or ConnectionAbortedException or InvalidOperationException)
        {
            HandlerLog.TransportError(logger, client.RemoteEndPoint, e.Message);
        }
        finally
        {
            await output.CompleteAsync();
        }
    }
}
