using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Applies queued changes to the database, a batch per transaction, with statements prepared
/// once. A message row is shared by every delivery of it; the writer counts its deliveries and
/// deletes the row with the last one. Writer thread only.
/// </summary>
internal sealed class OperationWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Dictionary<long, int> _deliveriesPerMessage;
    private readonly List<(long MessageId, int Before)> _countsBefore = []; // to undo a failed batch
    private readonly List<long> _messageIds = [];
    private readonly SqliteCommand _saveSession;
    private readonly SqliteCommand _saveDisconnected;
    private readonly SqliteCommand _sessionMessages;
    private readonly SqliteCommand _deleteSession;
    private readonly SqliteCommand _saveSubscription;
    private readonly SqliteCommand _deleteSubscription;
    private readonly SqliteCommand _insertMessage;
    private readonly SqliteCommand _deleteMessage;
    private readonly SqliteCommand _addDelivery;
    private readonly SqliteCommand _saveDeliveryState;
    private readonly SqliteCommand _removeDelivery;
    private readonly SqliteCommand _addIncoming;
    private readonly SqliteCommand _removeIncoming;
    private readonly SqliteCommand _setRetained;
    private readonly SqliteCommand _clearRetained;
    private readonly SqliteCommand _removeRetained;
    private readonly SqliteCommand _saveWill;
    private readonly SqliteCommand _deleteWill;

    public OperationWriter(SqliteConnection connection, TimeProvider time, Dictionary<long, int> deliveriesPerMessage)
    {
        _connection = connection;
        _time = time;
        _deliveriesPerMessage = deliveriesPerMessage;
        _saveSession = Prepare("""
            INSERT INTO sessions (client_id, expiry_interval, username) VALUES ($client, $expiry, $username)
            ON CONFLICT (client_id) DO UPDATE SET expiry_interval = excluded.expiry_interval, username = excluded.username
            """, "$client", "$expiry", "$username");
        _saveDisconnected = Prepare("UPDATE sessions SET disconnected_at = $at WHERE client_id = $client", "$client", "$at");
        _sessionMessages = Prepare("SELECT message_id FROM deliveries WHERE client_id = $client", "$client");
        _deleteSession = Prepare("""
            DELETE FROM deliveries WHERE client_id = $client;
            DELETE FROM subscriptions WHERE client_id = $client;
            DELETE FROM incoming_qos2 WHERE client_id = $client;
            DELETE FROM wills WHERE client_id = $client;
            DELETE FROM sessions WHERE client_id = $client;
            """, "$client");
        _saveSubscription = Prepare("""
            INSERT OR REPLACE INTO subscriptions (client_id, filter, options, subscription_id) VALUES ($client, $filter, $options, $id)
            """, "$client", "$filter", "$options", "$id");
        _deleteSubscription = Prepare("DELETE FROM subscriptions WHERE client_id = $client AND filter = $filter", "$client", "$filter");
        _insertMessage = Prepare("""
            INSERT OR REPLACE INTO messages (id, topic, payload, qos, retain, properties, expiry_interval, origin, received_at)
            VALUES ($id, $topic, $payload, $qos, $retain, $properties, $expiry, $origin, $received)
            """, "$id", "$topic", "$payload", "$qos", "$retain", "$properties", "$expiry", "$origin", "$received");
        _deleteMessage = Prepare("DELETE FROM messages WHERE id = $id", "$id");
        _addDelivery = Prepare("""
            INSERT OR REPLACE INTO deliveries (client_id, sequence, message_id, qos, retain, subscription_ids, shared_filter, packet_id, state)
            VALUES ($client, $sequence, $message, $qos, $retain, $ids, $shared, $packet, $state)
            """, "$client", "$sequence", "$message", "$qos", "$retain", "$ids", "$shared", "$packet", "$state");
        _saveDeliveryState = Prepare("""
            UPDATE deliveries SET packet_id = $packet, state = $state WHERE client_id = $client AND sequence = $sequence
            """, "$client", "$sequence", "$packet", "$state");
        _removeDelivery = Prepare("DELETE FROM deliveries WHERE client_id = $client AND sequence = $sequence", "$client", "$sequence");
        _addIncoming = Prepare("INSERT OR IGNORE INTO incoming_qos2 (client_id, packet_id) VALUES ($client, $packet)", "$client", "$packet");
        _removeIncoming = Prepare("DELETE FROM incoming_qos2 WHERE client_id = $client AND packet_id = $packet", "$client", "$packet");
        _setRetained = Prepare("""
            INSERT OR REPLACE INTO retained (topic, message_id, payload, qos, properties, expiry_interval, origin, received_at)
            VALUES ($topic, $id, $payload, $qos, $properties, $expiry, $origin, $received)
            """, "$topic", "$id", "$payload", "$qos", "$properties", "$expiry", "$origin", "$received");
        _clearRetained = Prepare("DELETE FROM retained WHERE topic = $topic", "$topic");
        _removeRetained = Prepare("DELETE FROM retained WHERE topic = $topic AND message_id = $id", "$topic", "$id");
        _saveWill = Prepare("""
            INSERT OR REPLACE INTO wills (client_id, topic, payload, qos, retain, properties, due_at)
            VALUES ($client, $topic, $payload, $qos, $retain, $properties, $due)
            """, "$client", "$topic", "$payload", "$qos", "$retain", "$properties", "$due");
        _deleteWill = Prepare("DELETE FROM wills WHERE client_id = $client", "$client");
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
                    callbacks.Add(operation);
                else
                    Apply(operation, transaction);
            }
            transaction.Commit();
        }
        catch
        {
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
        foreach (var command in new[]
        {
            _saveSession, _saveDisconnected, _sessionMessages, _deleteSession, _saveSubscription, _deleteSubscription,
            _insertMessage, _deleteMessage, _addDelivery, _saveDeliveryState, _removeDelivery, _addIncoming,
            _removeIncoming, _setRetained, _clearRetained, _removeRetained, _saveWill, _deleteWill,
        })
        {
            command.Dispose();
        }
    }

    private void Apply(in StoreOperation operation, SqliteTransaction transaction)
    {
        switch (operation.Kind)
        {
            case OperationKind.SaveSession:
                Run(_saveSession, transaction, operation.ClientId, (long)operation.ExpiryInterval, operation.Username);
                break;
            case OperationKind.SaveDisconnected:
                Run(_saveDisconnected, transaction, operation.ClientId, operation.UnixMilliseconds);
                break;
            case OperationKind.DeleteSession:
                DeleteSession(operation.ClientId!, transaction);
                break;
            case OperationKind.SaveSubscription:
                var subscription = operation.Subscription;
                Run(_saveSubscription, transaction, operation.ClientId, subscription.Filter, (long)subscription.Request.OptionsByte, subscription.SubscriptionId);
                break;
            case OperationKind.DeleteSubscription:
                Run(_deleteSubscription, transaction, operation.ClientId, operation.Filter);
                break;
            case OperationKind.AddDelivery:
                AddDelivery(operation.ClientId!, operation.Delivery, operation.PacketId, operation.InflightState, transaction);
                break;
            case OperationKind.SaveDeliveryState:
                Run(_saveDeliveryState, transaction, operation.ClientId, operation.Sequence, (long)operation.PacketId, (long)operation.InflightState);
                break;
            case OperationKind.RemoveDelivery:
                if (Run(_removeDelivery, transaction, operation.ClientId, operation.Sequence) > 0)
                    Release(operation.Message.StoreId, transaction);
                break;
            case OperationKind.AddIncomingQos2:
                Run(_addIncoming, transaction, operation.ClientId, (long)operation.PacketId);
                break;
            case OperationKind.RemoveIncomingQos2:
                Run(_removeIncoming, transaction, operation.ClientId, (long)operation.PacketId);
                break;
            case OperationKind.SetRetained:
                SetRetained(operation.Message, transaction);
                break;
            case OperationKind.RemoveRetained:
                Run(_removeRetained, transaction, operation.Message.Topic, operation.Message.StoreId);
                break;
            case OperationKind.SaveWill:
                SaveWill(operation.ClientId!, operation.Will, operation.Number, transaction);
                break;
        }
    }

    private void DeleteSession(string clientId, SqliteTransaction transaction)
    {
        _messageIds.Clear();
        _sessionMessages.Transaction = transaction;
        _sessionMessages.Parameters[0].Value = clientId;
        using (var reader = _sessionMessages.ExecuteReader())
        {
            while (reader.Read())
                _messageIds.Add(reader.GetInt64(0));
        }
        Run(_deleteSession, transaction, clientId);
        foreach (var id in _messageIds)
            Release(id, transaction);
    }

    private void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state, SqliteTransaction transaction)
    {
        var message = delivery.Message;
        var count = _deliveriesPerMessage.GetValueOrDefault(message.StoreId);
        if (count == 0)
        {
            Run(_insertMessage, transaction, message.StoreId, message.Topic, message.Payload.ToArray(), (long)message.QoS, message.Retain ? 1L : 0L,
                Blob(message.EncodedProperties), (long?)message.ExpiryInterval, message.OriginClientId, ReceivedAt(message));
        }
        _countsBefore.Add((message.StoreId, count));
        _deliveriesPerMessage[message.StoreId] = count + 1;
        Run(_addDelivery, transaction, clientId, delivery.Sequence, message.StoreId, (long)delivery.QoS, delivery.Retain ? 1L : 0L,
            Encoding.SubscriptionIds(delivery.SubscriptionIds), delivery.Group is { } group ? $"$share/{group.Name}/{group.TopicFilter}" : null,
            (long)packetId, (long)state);
    }

    private void Release(long messageId, SqliteTransaction transaction)
    {
        var count = _deliveriesPerMessage.GetValueOrDefault(messageId);
        _countsBefore.Add((messageId, count));
        if (count > 1)
        {
            _deliveriesPerMessage[messageId] = count - 1;
            return;
        }
        _deliveriesPerMessage.Remove(messageId);
        Run(_deleteMessage, transaction, messageId);
    }

    private void SetRetained(Message message, SqliteTransaction transaction)
    {
        if (message.Payload.IsEmpty)
        {
            Run(_clearRetained, transaction, message.Topic);
            return;
        }
        Run(_setRetained, transaction, message.Topic, message.StoreId, message.Payload.ToArray(), (long)message.QoS,
            Blob(message.EncodedProperties), (long?)message.ExpiryInterval, message.OriginClientId, ReceivedAt(message));
    }

    private void SaveWill(string clientId, ConnectWill? will, long dueAt, SqliteTransaction transaction)
    {
        if (will is null)
        {
            Run(_deleteWill, transaction, clientId);
            return;
        }
        Run(_saveWill, transaction, clientId, will.Topic, will.Payload, (long)will.QoS, will.Retain ? 1L : 0L,
            Encoding.Properties(will.Properties), dueAt);
    }

    /// <summary>When the broker received the message, as Unix ms: its expiry keeps counting across restarts.</summary>
    private long ReceivedAt(Message message) =>
        (_time.GetUtcNow() - _time.GetElapsedTime(message.Timestamp)).ToUnixTimeMilliseconds();

    private static byte[]? Blob(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? null : bytes.ToArray();

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    private static int Run(SqliteCommand command, SqliteTransaction transaction, params object?[] values)
    {
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command.ExecuteNonQuery();
    }
}
