using System.Globalization;
using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// Numbered QoS 1 and QoS 2 messages on two topics below one filter, published in batches that
/// are each acknowledged whole before the next, and what one subscriber received of them,
/// counted per topic by a <see cref="SequenceTally"/>. A probe topic below the same filter is
/// for <see cref="RouteProbe"/>, and its messages are not counted.
/// </summary>
public sealed class NumberedTraffic(string name)
{
    /// <summary>The payload of the QoS 2 message that closes the traffic: a duplicate still queued arrives before it.</summary>
    public const string End = "end";

    public string Base { get; } = Unique.Topic(name);

    /// <summary>What a subscriber subscribes to: every topic below.</summary>
    public string Filter => $"{Base}/#";

    public string Qos1Topic => $"{Base}/qos1";

    public string Qos2Topic => $"{Base}/qos2";

    public string ProbeTopic => $"{Base}/probe";

    /// <summary>QoS 1 messages published and acknowledged so far, numbered from 0.</summary>
    public int Qos1Acknowledged { get; private set; }

    /// <summary>QoS 2 messages published and acknowledged (PUBCOMP) so far, numbered from 0.</summary>
    public int Qos2Acknowledged { get; private set; }

    /// <summary>
    /// Publishes the next <paramref name="count"/> numbers at <paramref name="qos"/>, all outstanding
    /// at once, and returns once the node acknowledged every one; fails if it refuses or holds one.
    /// </summary>
    public async Task PublishAsync(MqttNetClient publisher, MqttQualityOfServiceLevel qos, int count)
    {
        var (topic, first) = qos == MqttQualityOfServiceLevel.ExactlyOnce ? (Qos2Topic, Qos2Acknowledged) : (Qos1Topic, Qos1Acknowledged);
        var batch = new Task[count];
        for (var i = 0; i < count; i++)
            batch[i] = publisher.PublishAsync(topic, (first + i).ToString(CultureInfo.InvariantCulture), qos);
        await Task.WhenAll(batch);
        if (qos == MqttQualityOfServiceLevel.ExactlyOnce)
            Qos2Acknowledged += count;
        else
            Qos1Acknowledged += count;
    }

    /// <summary>
    /// Takes messages from <paramref name="next"/> until every acknowledged number of both topics
    /// arrived, then has <paramref name="publishEnd"/> publish <see cref="End"/> (QoS 2, on the QoS 2
    /// topic) and takes what comes before it too, so a late duplicate is counted. Fails naming what
    /// is missing if a message does not come within the usual bound. <paramref name="already"/> are
    /// what the subscriber received before, counted first.
    /// </summary>
    public async Task<Receipt> ReceiveAllAsync(string who, Func<Task<Received>> next, Func<string, string, Task> publishEnd, IEnumerable<Received>? already = null)
    {
        var receipt = new Receipt(this, who);
        foreach (var message in already ?? [])
            receipt.Add(message);
        while (!receipt.Complete)
            await TakeAsync(receipt, next);
        await publishEnd(Qos2Topic, End);
        while (!receipt.EndSeen)
            await TakeAsync(receipt, next);
        return receipt;
    }

    private static async Task TakeAsync(Receipt receipt, Func<Task<Received>> next)
    {
        Received message;
        try
        {
            message = await next();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"Messages are missing: {receipt.Summary}", e);
        }
        receipt.Add(message);
    }

    /// <summary>What one subscriber received of the traffic.</summary>
    public sealed class Receipt(NumberedTraffic traffic, string who)
    {
        private readonly List<Received> _unexpected = [];

        public SequenceTally Qos1 { get; } = new($"{who} QoS 1", traffic.Qos1Acknowledged);

        public SequenceTally Qos2 { get; } = new($"{who} QoS 2", traffic.Qos2Acknowledged);

        public bool Complete => Qos1.Complete && Qos2.Complete;

        public bool EndSeen { get; private set; }

        /// <summary>Messages of the traffic's topics at a QoS other than their own, or on a topic it never published to.</summary>
        public IReadOnlyList<Received> Unexpected => _unexpected;

        public string Summary => $"{Qos1.Summary}; {Qos2.Summary}" + (_unexpected.Count > 0 ? $"; unexpected: {string.Join(", ", _unexpected)}" : "");

        public void Add(Received message)
        {
            if (message.Topic == traffic.ProbeTopic)
                return;
            if (message.Topic == traffic.Qos1Topic && message.QoS == 1 && int.TryParse(message.Payload, CultureInfo.InvariantCulture, out var n1))
                Qos1.Add(n1);
            else if (message.Topic == traffic.Qos2Topic && message.QoS == 2 && message.Payload == End)
                EndSeen = true;
            else if (message.Topic == traffic.Qos2Topic && message.QoS == 2 && int.TryParse(message.Payload, CultureInfo.InvariantCulture, out var n2))
                Qos2.Add(n2);
            else
                _unexpected.Add(message);
        }
    }
}
