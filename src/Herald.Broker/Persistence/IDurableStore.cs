using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;

namespace Herald.Broker.Persistence;

/// <summary>
/// Where the engine records what must outlive the process: persistent sessions, their
/// subscriptions and messages, QoS 2 packet ids, retained messages and delayed wills. The engine
/// keeps all of it in memory and calls these as its state changes; each call only appends to the
/// store's queue. A store writes them in order, many to a transaction, and runs the callbacks of
/// <see cref="WhenDurable"/> once everything recorded before was committed: the engine holds back
/// an acknowledgement until then, so nothing acknowledged is lost to a crash.
/// Calls for one session come in the order of its state changes (under the session's lock).
/// </summary>
public interface IDurableStore
{
    /// <summary>False while the store cannot write (a full disk, say): the server is then not ready.</summary>
    bool IsWriting { get; }

    /// <summary>Reads everything stored, once, before the broker serves clients.</summary>
    StoredState Load();

    /// <summary>The session, its expiry and the username its client last logged in with (for the ACL while it is away).</summary>
    void SaveSession(string clientId, uint expiryInterval, string? username);

    /// <summary>The session's client went away at <paramref name="at"/>; its expiry counts from then.</summary>
    void SaveDisconnected(string clientId, DateTimeOffset? at);

    void DeleteSession(string clientId);

    void SaveSubscription(string clientId, Subscription subscription);

    void DeleteSubscription(string clientId, string filter);

    /// <summary>
    /// A message for a persistent session, named by <see cref="QueuedMessage.Sequence"/>: queued
    /// (packet id 0), or sent at once with <paramref name="packetId"/> and awaiting <paramref name="state"/>'s acknowledgement.
    /// </summary>
    void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state);

    /// <summary>The delivery was sent with <paramref name="packetId"/> and awaits <paramref name="state"/>'s acknowledgement.</summary>
    void SaveDeliveryState(string clientId, long sequence, ushort packetId, InflightState state);

    void RemoveDelivery(string clientId, long sequence, Message message);

    /// <summary>An incoming QoS 2 packet id awaiting PUBREL [MQTT-4.3.3-2].</summary>
    void AddIncomingQos2(string clientId, ushort packetId);

    void RemoveIncomingQos2(string clientId, ushort packetId);

    /// <summary>The retained message of its topic; an empty payload clears the topic.</summary>
    void SetRetained(Message message);

    /// <summary>Deletes this retained message (it expired) unless another has replaced it since.</summary>
    void RemoveRetained(Message message);

    /// <summary>A will waiting out its delay, published at <paramref name="dueAt"/>; null clears it.</summary>
    void SaveWill(string clientId, ConnectWill? will, DateTimeOffset dueAt);

    /// <summary>Runs <paramref name="callback"/> once everything recorded before this call is durable.</summary>
    void WhenDurable(Action<object?> callback, object? state);

    /// <summary>
    /// Changes recorded on this thread until the matching <see cref="EndAtomic"/> are committed in
    /// one transaction: what one PUBLISH does (its QoS 2 id, its deliveries, its retained message),
    /// or a session's end with the messages it hands on. Nests; no await in between.
    /// </summary>
    void BeginAtomic();

    void EndAtomic();
}
