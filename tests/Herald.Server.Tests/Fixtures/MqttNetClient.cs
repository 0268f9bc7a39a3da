using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// An MQTTnet 3.1.1 client whose received messages queue up for the test to take in order. The
/// handler is attached before CONNECT, so messages a resumed session sends at once are kept.
/// </summary>
public sealed class MqttNetClient : ISubscriber
{
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttNetClient(string clientId)
    {
        ClientId = clientId;
        Client = new MqttClientFactory().CreateMqttClient();
        Client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            _received.Writer.TryWrite(new Received(m.Topic, m.ConvertPayloadToString(), (int)m.QualityOfServiceLevel, m.Retain));
            return Task.CompletedTask;
        };
        Client.DisconnectedAsync += e =>
        {
            _disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public IMqttClient Client { get; }

    public MqttClientConnectResult ConnectResult { get; private set; } = null!;

    /// <summary>Completes when the connection ends, whoever ended it.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    public static async Task<MqttNetClient> ConnectAsync(int port, string clientId, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttNetClient(clientId);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId)
            .WithTimeout(Wait.Bound);
        configure?.Invoke(options);
        try
        {
            using var cts = new CancellationTokenSource(Wait.Bound);
            client.ConnectResult = await client.Client.ConnectAsync(options.Build(), cts.Token);
        }
        catch
        {
            client.Client.Dispose();
            throw;
        }
        return client;
    }

    public async Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        var result = await Client.SubscribeAsync(filter, qos, cts.Token);
        Assert.Equal((int)qos, (int)result.Items.Single().ResultCode);
    }

    public async Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        var result = await Client.PublishStringAsync(topic, payload, qos, retain, cts.Token);
        Assert.True(result.IsSuccess, $"PUBLISH to {topic} failed: {result.ReasonCode}");
    }

    /// <summary>The next message received, in arrival order.</summary>
    public async Task<Received> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            return await _received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"{ClientId} received no message within {Wait.Bound.TotalSeconds} s.", e);
        }
    }

    /// <summary>Messages received and not yet taken, without waiting.</summary>
    public int PendingCount => _received.Reader.Count;

    /// <summary>Sends DISCONNECT and closes, so the server discards the will.</summary>
    public async Task DisconnectAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                await DisconnectAsync();
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The server may be gone already; disposing is all that is left.
            }
        }
        Client.Dispose();
    }
}
