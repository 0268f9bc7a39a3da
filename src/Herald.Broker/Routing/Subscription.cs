using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Routing;

/// <summary>One subscription of a session: its filter, options and MQTT 5 subscription identifier.</summary>
public sealed class Subscription
{
    public Subscription(TopicSubscription request, int? subscriptionId)
    {
        Filter = request.Filter;
        QoS = request.QoS;
        NoLocal = request.NoLocal;
        RetainAsPublished = request.RetainAsPublished;
        RetainHandling = request.RetainHandling;
        SubscriptionId = subscriptionId;
        SubscriptionIds = subscriptionId is { } id ? [id] : null;
        if (TopicRules.IsShared(Filter) && TopicRules.TrySplitShared(Filter, out var shareName, out var topicFilter))
        {
            ShareName = shareName;
            TopicFilter = topicFilter;
        }
        else
        {
            TopicFilter = Filter;
        }
    }

    /// <summary>The filter as subscribed, <c>$share/{group}/</c> included.</summary>
    public string Filter { get; }

    /// <summary>The filter messages are matched against, without the share prefix.</summary>
    public string TopicFilter { get; }

    /// <summary>The share name of a shared subscription; null otherwise.</summary>
    public string? ShareName { get; }

    public QualityOfService QoS { get; }

    public bool NoLocal { get; }

    public bool RetainAsPublished { get; }

    public byte RetainHandling { get; }

    public int? SubscriptionId { get; }

    /// <summary>The filter and options as subscribed, for a store to record.</summary>
    public TopicSubscription Request => new(Filter, QoS)
    {
        NoLocal = NoLocal,
        RetainAsPublished = RetainAsPublished,
        RetainHandling = RetainHandling,
    };

    /// <summary>The identifier as the array deliveries carry, made once per subscription, not per message.</summary>
    internal int[]? SubscriptionIds { get; }
}
