using System.Buffers;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Auth;

/// <summary>Connecting with a username and password: exact CONNECT bytes, and MQTTnet's view of the CONNACK.</summary>
public static class Credentials
{
    /// <summary>CONNECT for 3.1.1 or 5.0 carrying the credentials given (null leaves a field out).</summary>
    public static byte[] Connect(ProtocolVersion version, string clientId, string? username, string? password)
    {
        var writer = new ArrayBufferWriter<byte>();
        new ConnectPacket
        {
            Version = version,
            ClientId = clientId,
            Username = username,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
        }.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Connects an MQTTnet client with the credentials and returns what the CONNACK said and
    /// whether the client is still connected, then lets it go. With <paramref name="webSocket"/>,
    /// <paramref name="port"/> is the HTTP port and the client speaks MQTT over WebSocket.
    /// </summary>
    public static async Task<(MqttClientConnectResultCode Code, bool Connected)> TryConnectAsync(
        int port, MqttProtocolVersion version, string? username, string? password, bool webSocket = false, string? clientId = null)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder();
        if (webSocket)
            builder.WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{port}/mqtt"));
        else
            builder.WithTcpServer("127.0.0.1", port);
        builder
            .WithProtocolVersion(version)
            .WithClientId(clientId ?? Unique.ClientId("auth"))
            .WithTimeout(Wait.Bound);
        if (username is not null)
            builder.WithCredentials(username, password);
        using var cts = new CancellationTokenSource(Wait.Bound);
        // MQTTnet 5 returns a refusing CONNACK's code rather than throwing.
        var code = (await client.ConnectAsync(builder.Build(), cts.Token)).ResultCode;
        var connected = client.IsConnected;
        if (connected)
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
        return (code, connected);
    }
}
