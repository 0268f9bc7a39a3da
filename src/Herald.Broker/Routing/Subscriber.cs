using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker.Routing;

/// <summary>
/// A session a message is routed to, with what its matching subscriptions ask of the delivery:
/// the QoS granted, Retain As Published, the subscription identifiers to send, and the shared
/// subscription group it was chosen from.
/// </summary>
public readonly record struct Subscriber(
    Session Session,
    QualityOfService QoS,
    bool RetainAsPublished = false,
    int[]? SubscriptionIds = null,
    SharedGroup? Group = null)
{
    internal static Subscriber Of(Session session, Subscription subscription, SharedGroup? group = null) =>
        new(session, subscription.QoS, subscription.RetainAsPublished, subscription.SubscriptionIds, group);
}
