using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// An MQTTnet 3.1.1 client over WebSocket (<c>ws://</c> or <c>wss://</c>), its received messages
/// queued for the test in order, as <see cref="MqttNetClient"/> does for TCP.
/// </summary>
public sealed class MqttNetWebSocketClient : ISubscriber
{
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();

    private MqttNetWebSocketClient(string clientId)
    {
        ClientId = clientId;
        Client = new MqttClientFactory().CreateMqttClient();
        Client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            _received.Writer.TryWrite(new Received(m.Topic, m.ConvertPayloadToString(), (int)m.QualityOfServiceLevel, m.Retain));
            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public IMqttClient Client { get; }

    /// <summary>
    /// Connects to <paramref name="uri"/> (e.g. <c>ws://127.0.0.1:8080/mqtt</c>). For <c>wss://</c>,
    /// <paramref name="validate"/> decides whether the server's certificate is trusted.
    /// </summary>
    public static async Task<MqttNetWebSocketClient> ConnectAsync(string uri, string clientId, Func<MqttClientCertificateValidationEventArgs, bool>? validate = null)
    {
        var client = new MqttNetWebSocketClient(clientId);
        var options = new MqttClientOptionsBuilder()
            .WithWebSocketServer(o => o.WithUri(uri))
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId)
            .WithTimeout(Wait.Bound);
        if (validate is not null)
            options.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(validate));
        try
        {
            using var cts = new CancellationTokenSource(Wait.Bound);
            await client.Client.ConnectAsync(options.Build(), cts.Token);
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

    public async Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        var result = await Client.PublishStringAsync(topic, payload, qos, retain: false, cts.Token);
        Assert.True(result.IsSuccess, $"PUBLISH to {topic} failed: {result.ReasonCode}");
    }

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

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                using var cts = new CancellationTokenSource(Wait.Bound);
                await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The server may be gone already; disposing is all that is left.
            }
        }
        Client.Dispose();
    }
}
