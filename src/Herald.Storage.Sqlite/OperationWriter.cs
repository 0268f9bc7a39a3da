using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Applies queued changes to the database, a batch per transaction, with statements prepared
/// once. A message row is shared by every delivery of it; the writer counts its deliveries and
/// deletes the row with the last one. New deliveries, the bulk of the writing, are inserted many
/// rows per statement (<see cref="DeliveryInserts"/>). Writer thread only.
/// </summary>
internal sealed class OperationWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Dictionary<long, int> _deliveriesPerMessage;
    private readonly List<(long MessageId, int Before)> _countsBefore = []; // to undo a failed batch
    private readonly List<long> _messageIds = [];
    private readonly List<Statement> _statements = [];
    private readonly DeliveryInserts _inserts;
    private readonly Statement _saveSession;
    private readonly Statement _saveDisconnected;
    private readonly Statement _sessionMessages;
    private readonly Statement[] _deleteSession;
    private readonly Statement _saveSubscription;
    private readonly Statement _deleteSubscription;
    private readonly Statement _deleteMessage;
    private readonly Statement _saveDeliveryState;
    private readonly Statement _removeDelivery;
    private readonly Statement _addIncoming;
    private readonly Statement _removeIncoming;
    private readonly Statement _setRetained;
    private readonly Statement _clearRetained;
    private readonly Statement _removeRetained;
    private readonly Statement _saveWill;
    private readonly Statement _deleteWill;

    public OperationWriter(SqliteConnection connection, TimeProvider time, Dictionary<long, int> deliveriesPerMessage)
    {
        _connection = connection;
        _time = time;
        _deliveriesPerMessage = deliveriesPerMessage;
        _inserts = new DeliveryInserts(connection);
        _saveSession = Prepare("""
            INSERT INTO sessions (client_id, expiry_interval, username) VALUES ($client, $expiry, $username)
            ON CONFLICT (client_id) DO UPDATE SET expiry_interval = excluded.expiry_interval, username = excluded.username
            """);
        _saveDisconnected = Prepare("UPDATE sessions SET disconnected_at = $at WHERE client_id = $client");
        _sessionMessages = Prepare("SELECT message_id FROM deliveries WHERE client_id = $client");
        _deleteSession =
        [
            Prepare("DELETE FROM deliveries WHERE client_id = $client"),
            Prepare("DELETE FROM subscriptions WHERE client_id = $client"),
            Prepare("DELETE FROM incoming_qos2 WHERE client_id = $client"),
            Prepare("DELETE FROM wills WHERE client_id = $client"),
            Prepare("DELETE FROM sessions WHERE client_id = $client"),
        ];
        _saveSubscription = Prepare("""
            INSERT OR REPLACE INTO subscriptions (client_id, filter, options, subscription_id) VALUES ($client, $filter, $options, $id)
            """);
        _deleteSubscription = Prepare("DELETE FROM subscriptions WHERE client_id = $client AND filter = $filter");
        _deleteMessage = Prepare("DELETE FROM messages WHERE id = $id");
        _saveDeliveryState = Prepare("""
            UPDATE deliveries SET packet_id = $packet, state = $state WHERE client_id = $client AND sequence = $sequence
            """);
        _removeDelivery = Prepare("DELETE FROM deliveries WHERE client_id = $client AND sequence = $sequence");
        _addIncoming = Prepare("INSERT OR IGNORE INTO incoming_qos2 (client_id, packet_id) VALUES ($client, $packet)");
        _removeIncoming = Prepare("DELETE FROM incoming_qos2 WHERE client_id = $client AND packet_id = $packet");
        _setRetained = Prepare("""
            INSERT OR REPLACE INTO retained (topic, message_id, payload, qos, properties, expiry_interval, origin, received_at)
            VALUES ($topic, $id, $payload, $qos, $properties, $expiry, $origin, $received)
            """);
        _clearRetained = Prepare("DELETE FROM retained WHERE topic = $topic");
        _removeRetained = Prepare("DELETE FROM retained WHERE topic = $topic AND message_id = $id");
        _saveWill = Prepare("""
            INSERT OR REPLACE INTO wills (client_id, topic, payload, qos, retain, properties, due_at)
            VALUES ($client, $topic, $payload, $qos, $retain, $properties, $due)
            """);
        _deleteWill = Prepare("DELETE FROM wills WHERE client_id = $client");
    }

    /// <summary>Messages left without a delivery (a crash between their last delivery and their row) go.</summary>
    public void DeleteUnreferencedMessages() =>
        Schema.Execute(_connection, "DELETE FROM messages WHERE id NOT IN (SELECT message_id FROM deliveries)");

    /// <summary>Applies the batch in one transaction; the callbacks in it are collected for after the commit.</summary>
    public void Apply(List<StoreOperation> batch, List<StoreOperation> callbacks)
    {
        _countsBefore.Clear();
        using var transaction = _connection.BeginTransaction();
        try
        {
            foreach (var operation in batch)
            {
                if (operation.Kind == OperationKind.Callback)
                {
                    callbacks.Add(operation);
                }
                else if (operation.Kind == OperationKind.AddDelivery)
                {
                    AddDelivery(operation.ClientId!, operation.Delivery, operation.PacketId, operation.InflightState);
                }
                else
                {
                    _inserts.Flush(); // what follows may update or delete the rows still waiting
                    Apply(operation);
                }
            }
            _inserts.Flush();
            transaction.Commit();
        }
        catch
        {
            _inserts.Discard();
            for (var i = _countsBefore.Count - 1; i >= 0; i--)
            {
                var (id, before) = _countsBefore[i];
                if (before == 0)
                    _deliveriesPerMessage.Remove(id);
                else
                    _deliveriesPerMessage[id] = before;
            }
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var statement in _statements)
            statement.Dispose();
        _inserts.Dispose();
    }

    private void Apply(in StoreOperation operation)
    {
        switch (operation.Kind)
        {
            case OperationKind.SaveSession:
                _saveSession.Bind(1, operation.ClientId);
                _saveSession.Bind(2, operation.ExpiryInterval);
                _saveSession.Bind(3, operation.Username);
                _saveSession.Execute();
                break;
            case OperationKind.SaveDisconnected:
                _saveDisconnected.Bind(1, operation.UnixMilliseconds);
                _saveDisconnected.Bind(2, operation.ClientId);
                _saveDisconnected.Execute();
                break;
            case OperationKind.DeleteSession:
                DeleteSession(operation.ClientId!);
                break;
            case OperationKind.SaveSubscription:
                var subscription = operation.Subscription;
                _saveSubscription.Bind(1, operation.ClientId);
                _saveSubscription.Bind(2, subscription.Filter);
                _saveSubscription.Bind(3, subscription.Request.OptionsByte);
                _saveSubscription.Bind(4, subscription.SubscriptionId);
                _saveSubscription.Execute();
                break;
            case OperationKind.DeleteSubscription:
                _deleteSubscription.Bind(1, operation.ClientId);
                _deleteSubscription.Bind(2, operation.Filter);
                _deleteSubscription.Execute();
                break;
            case OperationKind.SaveDeliveryState:
                _saveDeliveryState.Bind(1, operation.PacketId);
                _saveDeliveryState.Bind(2, (long)operation.InflightState);
                _saveDeliveryState.Bind(3, operation.ClientId);
                _saveDeliveryState.Bind(4, operation.Sequence);
                _saveDeliveryState.Execute();
                break;
            case OperationKind.RemoveDelivery:
                _removeDelivery.Bind(1, operation.ClientId);
                _removeDelivery.Bind(2, operation.Sequence);
                if (_removeDelivery.Execute() > 0)
                    Release(operation.Message.StoreId);
                break;
            case OperationKind.AddIncomingQos2:
                _addIncoming.Bind(1, operation.ClientId);
                _addIncoming.Bind(2, operation.PacketId);
                _addIncoming.Execute();
                break;
            case OperationKind.RemoveIncomingQos2:
                _removeIncoming.Bind(1, operation.ClientId);
                _removeIncoming.Bind(2, operation.PacketId);
                _removeIncoming.Execute();
                break;
            case OperationKind.SetRetained:
                SetRetained(operation.Message);
                break;
            case OperationKind.RemoveRetained:
                _removeRetained.Bind(1, operation.Message.Topic);
                _removeRetained.Bind(2, operation.Message.StoreId);
                _removeRetained.Execute();
                break;
            case OperationKind.SaveWill:
                SaveWill(operation.ClientId!, operation.Will, operation.Number);
                break;
        }
    }

    private void DeleteSession(string clientId)
    {
        _messageIds.Clear();
        _sessionMessages.Bind(1, clientId);
        while (_sessionMessages.Read())
            _messageIds.Add(_sessionMessages.Int64(0));
        foreach (var statement in _deleteSession)
        {
            statement.Bind(1, clientId);
            statement.Execute();
        }
        foreach (var id in _messageIds)
            Release(id);
    }

    private void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state)
    {
        var message = delivery.Message;
        var count = _deliveriesPerMessage.GetValueOrDefault(message.StoreId);
        if (count == 0)
            _inserts.AddMessage(message, ReceivedAt(message));
        _countsBefore.Add((message.StoreId, count));
        _deliveriesPerMessage[message.StoreId] = count + 1;
        _inserts.AddDelivery(clientId, delivery, packetId, state);
    }

    private void Release(long messageId)
    {
        var count = _deliveriesPerMessage.GetValueOrDefault(messageId);
        _countsBefore.Add((messageId, count));
        if (count > 1)
        {
            _deliveriesPerMessage[messageId] = count - 1;
            return;
        }
        _deliveriesPerMessage.Remove(messageId);
        _deleteMessage.Bind(1, messageId);
        _deleteMessage.Execute();
    }

    private void SetRetained(Message message)
    {
        if (message.Payload.IsEmpty)
        {
            _clearRetained.Bind(1, message.Topic);
            _clearRetained.Execute();
            return;
        }
        _setRetained.Bind(1, message.Topic);
        _setRetained.Bind(2, message.StoreId);
        _setRetained.BindBlob(3, message.Payload.Span);
        _setRetained.Bind(4, (long)message.QoS);
        _setRetained.BindBlobOrNull(5, message.EncodedProperties);
        _setRetained.Bind(6, message.ExpiryInterval);
        _setRetained.Bind(7, message.OriginClientId);
        _setRetained.Bind(8, ReceivedAt(message));
        _setRetained.Execute();
    }

    private void SaveWill(string clientId, ConnectWill? will, long dueAt)
    {
        if (will is null)
        {
            _deleteWill.Bind(1, clientId);
            _deleteWill.Execute();
            return;
        }
        _saveWill.Bind(1, clientId);
        _saveWill.Bind(2, will.Topic);
        _saveWill.BindBlob(3, will.Payload);
        _saveWill.Bind(4, (long)will.QoS);
        _saveWill.Bind(5, will.Retain ? 1L : 0L);
        _saveWill.BindBlobOrNull(6, Encoding.Properties(will.Properties));
        _saveWill.Bind(7, dueAt);
        _saveWill.Execute();
    }

    /// <summary>When the broker received the message, as Unix ms: its expiry keeps counting across restarts.</summary>
    private long ReceivedAt(Message message) =>
        (_time.GetUtcNow() - _time.GetElapsedTime(message.Timestamp)).ToUnixTimeMilliseconds();

    private Statement Prepare(string sql)
    {
        var statement = new Statement(_connection, sql);
        _statements.Add(statement);
        return statement;
    }
}
