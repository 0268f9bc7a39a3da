using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker.Routing;

/// <summary>A session a message is routed to, and the QoS granted to the subscription that matched.</summary>
public readonly record struct Subscriber(Session Session, QualityOfService QoS);
