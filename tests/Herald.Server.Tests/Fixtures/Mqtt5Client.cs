using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// An MQTTnet client speaking MQTT 5. Received messages queue up, with their properties, for the
/// test to take in order; the handler is attached before CONNECT, so messages a resumed session
/// sends at once are kept. Each message is copied out of MQTTnet's buffers inside the handler.
/// </summary>
public sealed class Mqtt5Client : Mqtt5Subscriber
{
    private readonly Channel<Mqtt5Message> _received = Channel.CreateUnbounded<Mqtt5Message>();
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Mqtt5Client(string clientId)
    {
        ClientId = clientId;
        Client = new MqttClientFactory().CreateMqttClient();
        Client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Writer.TryWrite(Copy(e.ApplicationMessage));
            return Task.CompletedTask;
        };
        Client.DisconnectedAsync += e =>
        {
            _disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
    }

    /// <summary>The client id it asked for; empty when it asked the server to assign one.</summary>
    public string ClientId { get; }

    public IMqttClient Client { get; }

    public MqttClientConnectResult ConnectResult { get; private set; } = null!;

    /// <summary>Completes when the connection ends, whoever ended it, with the server's DISCONNECT reason if it sent one.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    /// <summary>Messages received and not yet taken, without waiting.</summary>
    public int PendingCount => _received.Reader.Count;

    /// <summary>
    /// Connects with MQTT 5 and returns whatever CONNACK said, accepted or not.
    /// <paramref name="beforeConnect"/> attaches handlers of the test's own first: MQTTnet's packet
    /// inspector fails on a packet whose receipt began before its handler was attached.
    /// </summary>
    public static async Task<Mqtt5Client> ConnectAsync(int port, string clientId, Action<MqttClientOptionsBuilder>? configure = null, Action<IMqttClient>? beforeConnect = null)
    {
        var client = new Mqtt5Client(clientId);
        beforeConnect?.Invoke(client.Client);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
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

    /// <summary>Subscribes with default options and asserts the granted QoS is the one asked for.</summary>
    public async Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos)
    {
        var result = await SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());
        Assert.Equal((int)qos, (int)result.Items.Single().ResultCode);
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        return await Client.SubscribeAsync(options, cts.Token);
    }

    /// <summary>Publishes and returns the acknowledgement's reason (QoS 0: always success).</summary>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        return await Client.PublishAsync(message, cts.Token);
    }

    /// <summary>Publishes and asserts the server took it (0x10 No matching subscribers counts as taken).</summary>
    public async Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false)
    {
        var result = await PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build());
        Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers,
            $"PUBLISH to {topic} failed: {result.ReasonCode}");
    }

    public override async Task<Mqtt5Message> ReceiveAsync()
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

    /// <summary>Sends DISCONNECT with the reason (0x00 discards the will, 0x04 asks for it) and closes.</summary>
    public async Task DisconnectAsync(MqttClientDisconnectOptionsReason reason = MqttClientDisconnectOptionsReason.NormalDisconnection)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(reason).Build(), cts.Token);
    }

    public override async ValueTask DisposeAsync()
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

    /// <summary>Builds the MQTTnet message that publishes <paramref name="message"/> with all its properties.</summary>
    public static MqttApplicationMessage ToApplicationMessage(Mqtt5Message message)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)message.QoS)
            .WithRetainFlag(message.Retain);
        if (message.ContentType is not null)
            builder.WithContentType(message.ContentType);
        if (message.ResponseTopic is not null)
            builder.WithResponseTopic(message.ResponseTopic);
        if (message.CorrelationData is not null)
            builder.WithCorrelationData(Encoding.UTF8.GetBytes(message.CorrelationData));
        if (message.MessageExpiryInterval is { } expiry)
            builder.WithMessageExpiryInterval(expiry);
        if (message.PayloadFormatIndicator is { } format)
            builder.WithPayloadFormatIndicator((MqttPayloadFormatIndicator)format);
        foreach (var (name, value) in message.UserProperties)
            builder.WithUserProperty(name, Encoding.UTF8.GetBytes(value).AsMemory());
        return builder.Build();
    }

    /// <summary>MQTTnet reports an absent expiry as 0 and an absent format indicator as Unspecified: both become null here.</summary>
    private static Mqtt5Message Copy(MqttApplicationMessage m) =>
        new(m.Topic, m.ConvertPayloadToString(), (int)m.QualityOfServiceLevel, m.Retain)
        {
            ContentType = m.ContentType,
            ResponseTopic = m.ResponseTopic,
            CorrelationData = m.CorrelationData is { } data ? Encoding.UTF8.GetString(data) : null,
            MessageExpiryInterval = m.MessageExpiryInterval == 0 ? null : m.MessageExpiryInterval,
            PayloadFormatIndicator = m.PayloadFormatIndicator == MqttPayloadFormatIndicator.Unspecified ? null : (int)m.PayloadFormatIndicator,
            UserProperties = m.UserProperties is { } properties ? [.. properties.Select(p => new KeyValuePair<string, string>(p.Name, p.ReadValueAsString()))] : [],
            SubscriptionIdentifiers = m.SubscriptionIdentifiers is { } ids ? [.. ids] : [],
            Dup = m.Dup,
        };
}
