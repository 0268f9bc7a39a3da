using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The rows a new delivery adds, its message's and its own, gathered and inserted up to
/// <see cref="RowsPerStatement"/> per <c>INSERT ... VALUES (...), (...)</c>: SQLite opens the
/// table and runs the statement once for all of them. Measured with 64-byte messages and
/// synchronous FULL, 32 rows per statement cost about 0.9 µs a row where one row per statement
/// cost 1.3 µs; 100 rows were no cheaper than 32. The statement for each number of rows is
/// prepared the first time a batch needs it. Rows wait here only within one batch: the writer
/// calls <see cref="Flush"/> before any other kind of change (which may read or delete them)
/// and before it commits. Writer thread only.
/// </summary>
internal sealed class DeliveryInserts(SqliteConnection connection) : IDisposable
{
    public const int RowsPerStatement = 32;

    private const int MessageColumns = 9;
    private const int DeliveryColumns = 9;

    private readonly Statement?[] _messageStatements = new Statement?[RowsPerStatement + 1];
    private readonly Statement?[] _deliveryStatements = new Statement?[RowsPerStatement + 1];
    private readonly (Message Message, long ReceivedAt)[] _messages = new (Message, long)[RowsPerStatement];
    private readonly PendingDelivery[] _deliveries = new PendingDelivery[RowsPerStatement];
    private int _messageCount;
    private int _deliveryCount;

    /// <summary>A message row; <paramref name="receivedAt"/> is Unix ms.</summary>
    public void AddMessage(Message message, long receivedAt)
    {
        _messages[_messageCount++] = (message, receivedAt);
        if (_messageCount == RowsPerStatement)
            WriteMessages();
    }

    public void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state)
    {
        _deliveries[_deliveryCount++] = new PendingDelivery(clientId, delivery, packetId, state);
        if (_deliveryCount == RowsPerStatement)
            WriteDeliveries();
    }

    /// <summary>Inserts every row still waiting.</summary>
    public void Flush()
    {
        if (_messageCount > 0)
            WriteMessages();
        if (_deliveryCount > 0)
            WriteDeliveries();
    }

    /// <summary>Forgets the waiting rows: their batch failed and is applied again from the start.</summary>
    public void Discard()
    {
        Array.Clear(_messages, 0, _messageCount);
        Array.Clear(_deliveries, 0, _deliveryCount);
        _messageCount = 0;
        _deliveryCount = 0;
    }

    public void Dispose()
    {
        foreach (var statement in _messageStatements)
            statement?.Dispose();
        foreach (var statement in _deliveryStatements)
            statement?.Dispose();
    }

    private void WriteMessages()
    {
        var statement = _messageStatements[_messageCount] ??= Prepare(
            "INSERT OR REPLACE INTO messages (id, topic, payload, qos, retain, properties, expiry_interval, origin, received_at) VALUES ",
            MessageColumns, _messageCount);
        for (var row = 0; row < _messageCount; row++)
        {
            var (message, receivedAt) = _messages[row];
            var first = row * MessageColumns + 1;
            statement.Bind(first, message.StoreId);
            statement.Bind(first + 1, message.Topic);
            statement.BindBlob(first + 2, message.Payload.Span);
            statement.Bind(first + 3, (long)message.QoS);
            statement.Bind(first + 4, message.Retain ? 1L : 0L);
            statement.BindBlobOrNull(first + 5, message.EncodedProperties);
            statement.Bind(first + 6, message.ExpiryInterval);
            statement.Bind(first + 7, message.OriginClientId);
            statement.Bind(first + 8, receivedAt);
        }
        statement.Execute();
        Array.Clear(_messages, 0, _messageCount);
        _messageCount = 0;
    }

    private void WriteDeliveries()
    {
        var statement = _deliveryStatements[_deliveryCount] ??= Prepare(
            "INSERT OR REPLACE INTO deliveries (client_id, sequence, message_id, qos, retain, subscription_ids, shared_filter, packet_id, state) VALUES ",
            DeliveryColumns, _deliveryCount);
        for (var row = 0; row < _deliveryCount; row++)
        {
            ref readonly var pending = ref _deliveries[row];
            var delivery = pending.Delivery;
            var first = row * DeliveryColumns + 1;
            statement.Bind(first, pending.ClientId);
            statement.Bind(first + 1, delivery.Sequence);
            statement.Bind(first + 2, delivery.Message.StoreId);
            statement.Bind(first + 3, (long)delivery.QoS);
            statement.Bind(first + 4, delivery.Retain ? 1L : 0L);
            statement.BindBlobOrNull(first + 5, Encoding.SubscriptionIds(delivery.SubscriptionIds));
            statement.Bind(first + 6, delivery.Group is { } group ? $"$share/{group.Name}/{group.TopicFilter}" : null);
            statement.Bind(first + 7, pending.PacketId);
            statement.Bind(first + 8, (long)pending.State);
        }
        statement.Execute();
        Array.Clear(_deliveries, 0, _deliveryCount);
        _deliveryCount = 0;
    }

    /// <summary>An INSERT of <paramref name="rows"/> rows; its parameters are numbered row after row.</summary>
    private Statement Prepare(string head, int columns, int rows)
    {
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", columns)) + ")";
        return new Statement(connection, head + string.Join(", ", Enumerable.Repeat(row, rows)));
    }

    private readonly record struct PendingDelivery(string ClientId, QueuedMessage Delivery, ushort PacketId, InflightState State);
}
