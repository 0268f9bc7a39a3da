using System.Globalization;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Herald.Server.Tests.Durability;

/// <summary>
/// The store's promise under load: a QoS 1/2 PUBLISH acknowledged to its publisher is durable
/// for every persistent session it was routed to, so a kill -9 right after the last
/// acknowledgement loses none of them, and the subscriptions and retained messages come back too.
/// </summary>
public sealed class KillUnderLoadTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.6.0-6")]
    [Trait("Spec", "MQTT-3.3.1-6")]
    public Task Every_acknowledged_message_survives_kill_9_in_order_per_publisher() =>
        PublishKillAndReceiveAsync(qos1Count: 10_000, qos2Count: 1_000);

    /// <summary>
    /// Synchronous=Normal gives up durability against power loss only: a WAL commit is in the
    /// kernel's page cache before the acknowledgement, and a killed process does not lose that.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public Task Synchronous_Normal_still_keeps_every_acknowledged_message_across_kill_9() =>
        PublishKillAndReceiveAsync(qos1Count: 2_000, qos2Count: 200, "--Herald:Storage:Synchronous=Normal");

    private async Task PublishKillAndReceiveAsync(int qos1Count, int qos2Count, params string[] extraArgs)
    {
        // The offline subscriber holds every message: its queue must not drop the oldest.
        await using var herald = await HeraldProcess.StartAsync(
            [$"--Herald:Mqtt:MaxQueuedMessages={qos1Count + qos2Count + 100}", .. extraArgs]);
        var prefix = Unique.Topic("load");
        var (topicA, topicB, topicAfter) = ($"{prefix}/a", $"{prefix}/b", $"{prefix}/after");
        var retainedTopic = Unique.Topic("load-retained");
        var subscriberId = Unique.ClientId("loadsub");

        await using (var subscriber = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId))
        {
            Assert.False(subscriber.ConnectResult.IsSessionPresent);
            await subscriber.SubscribeAsync($"{prefix}/#", MqttQualityOfServiceLevel.ExactlyOnce);
        }

        await using (var publisherA = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("loadpubA")))
        await using (var publisherB = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("loadpubB")))
        {
            await Task.WhenAll(
                Sequence.PublishAsync(publisherA, topicA, qos1Count, MqttQualityOfServiceLevel.AtLeastOnce),
                Sequence.PublishAsync(publisherB, topicB, qos2Count, MqttQualityOfServiceLevel.ExactlyOnce));
            await publisherA.PublishAsync(retainedTopic, "kept", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            await herald.KillAsync(); // right after the last acknowledgement, the publishers still connected
        }

        await herald.StartAsync();

        var a = new SequenceTally("QoS 1 publisher", qos1Count);
        var b = new SequenceTally("QoS 2 publisher", qos2Count);
        var unexpected = new List<string>();
        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId);
        Assert.True(back.ConnectResult.IsSessionPresent, "The persistent session did not survive the kill.");
        while (!(a.Complete && b.Complete))
        {
            Received message;
            try
            {
                message = await back.ReceiveAsync();
            }
            catch (TimeoutException)
            {
                break; // the assertions below say what is missing
            }
            Tally(message, topicA, a, topicB, b, unexpected);
        }
        output.WriteLine(a.Summary);
        output.WriteLine(b.Summary);
        Assert.True(a.Complete, $"Acknowledged QoS 1 messages lost. {a.Summary}. {b.Summary}. {herald.Transcript}");
        Assert.True(b.Complete, $"Acknowledged QoS 2 messages lost. {b.Summary}. {a.Summary}. {herald.Transcript}");
        Assert.True(a.OutOfOrder.Count == 0, a.Summary);
        Assert.True(b.OutOfOrder.Count == 0, b.Summary);
        Assert.True(b.Duplicates == 0, $"QoS 2 delivered more than once. {b.Summary}");
        Assert.Empty(unexpected);

        // The subscription itself survived: a message published now reaches the resumed session
        // without a new SUBSCRIBE.
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("loadpubC")))
            await publisher.PublishAsync(topicAfter, "after restart", MqttQualityOfServiceLevel.AtLeastOnce);
        Received next;
        while ((next = await back.ReceiveAsync()).Topic != topicAfter)
            Tally(next, topicA, a, topicB, b, unexpected); // late duplicates, if any
        Assert.Equal(new Received(topicAfter, "after restart", 1, false), next);
        Assert.True(b.Duplicates == 0, $"QoS 2 delivered more than once. {b.Summary}");

        await using var newcomer = await MqttNetClient.ConnectAsync(herald.MqttPort, Unique.ClientId("loadret"));
        await newcomer.SubscribeAsync(retainedTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(retainedTopic, "kept", 1, true), await newcomer.ReceiveAsync());
    }

    private static void Tally(Received message, string topicA, SequenceTally a, string topicB, SequenceTally b, List<string> unexpected)
    {
        var (tally, qos) = message.Topic == topicA ? (a, 1) : message.Topic == topicB ? (b, 2) : (null, 0);
        if (tally is null || !int.TryParse(message.Payload, CultureInfo.InvariantCulture, out var sequence))
        {
            unexpected.Add($"{message.Payload} on {message.Topic}");
            return;
        }
        tally.Add(sequence);
        if (message.QoS != qos)
            unexpected.Add($"{message.Topic} {sequence} at QoS {message.QoS}");
    }
}
