using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;

namespace Herald.Storage.Sqlite;

internal enum OperationKind : byte
{
    SaveSession,
    SaveDisconnected,
    DeleteSession,
    SaveSubscription,
    DeleteSubscription,
    AddDelivery,
    SaveDeliveryState,
    RemoveDelivery,
    AddIncomingQos2,
    RemoveIncomingQos2,
    SetRetained,
    RemoveRetained,
    SaveWill,
    Callback,
    GroupBegin,
    GroupEnd,
}

/// <summary>
/// One change waiting in the store's queue: a struct so recording allocates nothing. Which
/// fields mean what depends on <see cref="Kind"/>; the factory methods say it.
/// </summary>
internal readonly struct StoreOperation
{
    private StoreOperation(OperationKind kind, string? clientId, object? item = null, object? state = null, long number = 0, ushort packetId = 0, byte small = 0)
    {
        Kind = kind;
        ClientId = clientId;
        Item = item;
        State = state;
        Number = number;
        PacketId = packetId;
        Small = small;
    }

    public OperationKind Kind { get; }
    public string? ClientId { get; }
    public object? Item { get; }
    public object? State { get; }
    public long Number { get; }
    public ushort PacketId { get; }
    public byte Small { get; }

    public uint ExpiryInterval => (uint)Number;
    public long Sequence => Number;
    public long? UnixMilliseconds => Number == long.MinValue ? null : Number;
    public Message Message => (Message)Item!;
    public Subscription Subscription => (Subscription)Item!;
    public string Filter => (string)Item!;
    public string? Username => (string?)Item;
    public ConnectWill? Will => (ConnectWill?)Item;
    public InflightState InflightState => (InflightState)Small;
    public Action<object?> Callback => (Action<object?>)Item!;

    /// <summary>For <see cref="OperationKind.AddDelivery"/>: the delivery's fields besides the message.</summary>
    public QueuedMessage Delivery => (QueuedMessage)State!;

    public static StoreOperation SaveSession(string clientId, uint expiryInterval, string? username) =>
        new(OperationKind.SaveSession, clientId, username, number: expiryInterval);

    public static StoreOperation SaveDisconnected(string clientId, DateTimeOffset? at) =>
        new(OperationKind.SaveDisconnected, clientId, number: at?.ToUnixTimeMilliseconds() ?? long.MinValue);

    public static StoreOperation DeleteSession(string clientId) => new(OperationKind.DeleteSession, clientId);

    public static StoreOperation SaveSubscription(string clientId, Subscription subscription) => new(OperationKind.SaveSubscription, clientId, subscription);

    public static StoreOperation DeleteSubscription(string clientId, string filter) => new(OperationKind.DeleteSubscription, clientId, filter);

    // The delivery struct is boxed: a persistent session's message costs a database row anyway.
    public static StoreOperation AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state) =>
        new(OperationKind.AddDelivery, clientId, delivery.Message, delivery, delivery.Sequence, packetId, (byte)state);

    public static StoreOperation SaveDeliveryState(string clientId, long sequence, ushort packetId, InflightState state) =>
        new(OperationKind.SaveDeliveryState, clientId, number: sequence, packetId: packetId, small: (byte)state);

    public static StoreOperation RemoveDelivery(string clientId, long sequence, Message message) =>
        new(OperationKind.RemoveDelivery, clientId, message, number: sequence);

    public static StoreOperation AddIncomingQos2(string clientId, ushort packetId) => new(OperationKind.AddIncomingQos2, clientId, packetId: packetId);

    public static StoreOperation RemoveIncomingQos2(string clientId, ushort packetId) => new(OperationKind.RemoveIncomingQos2, clientId, packetId: packetId);

    public static StoreOperation SetRetained(Message message) => new(OperationKind.SetRetained, null, message);

    public static StoreOperation RemoveRetained(Message message) => new(OperationKind.RemoveRetained, null, message);

    public static StoreOperation SaveWill(string clientId, ConnectWill? will, DateTimeOffset dueAt) =>
        new(OperationKind.SaveWill, clientId, will, number: dueAt.ToUnixTimeMilliseconds());

    public static StoreOperation WhenDurable(Action<object?> callback, object? state) => new(OperationKind.Callback, null, callback, state);

    /// <summary>Marks where one thread's atomic group begins or ends; <see cref="Number"/> is the thread.</summary>
    public static StoreOperation Group(bool begin, int thread) => new(begin ? OperationKind.GroupBegin : OperationKind.GroupEnd, null, number: thread);
}
