using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>Reads the whole database into a <see cref="StoredState"/> at startup, a table at a time.</summary>
internal sealed class StateReader(SqliteConnection connection, TimeProvider time)
{
    private readonly Dictionary<string, SessionParts> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Message> _messages = [];
    private long _lastMessageId;

    /// <summary>How many deliveries refer to each message, for the writer to know when a message row can go.</summary>
    public Dictionary<long, int> DeliveriesPerMessage { get; } = [];

    public StoredState Read()
    {
        ReadSessions();
        ReadSubscriptions();
        ReadMessages();
        ReadDeliveries();
        ReadIncomingQos2();
        ReadWills();
        var retained = ReadRetained();
        var sessions = _sessions.Values.Select(s => new StoredSession(
            s.ClientId, s.ExpiryInterval, s.Username, s.DisconnectedAt, s.Subscriptions, s.Deliveries, s.IncomingQos2, s.Will)).ToList();
        return new StoredState(sessions, retained, _lastMessageId);
    }

    private void ReadSessions()
    {
        foreach (var row in Query("SELECT client_id, expiry_interval, disconnected_at, username FROM sessions"))
        {
            var clientId = row.GetString(0);
            _sessions[clientId] = new SessionParts(clientId, (uint)row.GetInt64(1), row.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(2)))
            {
                Username = row.IsDBNull(3) ? null : row.GetString(3),
            };
        }
    }

    private void ReadSubscriptions()
    {
        foreach (var row in Query("SELECT client_id, filter, options, subscription_id FROM subscriptions"))
        {
            if (!_sessions.TryGetValue(row.GetString(0), out var session))
                continue;
            var request = TopicSubscription.FromOptions(row.GetString(1), (byte)row.GetInt64(2));
            session.Subscriptions.Add((request, row.IsDBNull(3) ? null : (int)row.GetInt64(3)));
        }
    }

    private void ReadMessages()
    {
        foreach (var row in Query("SELECT id, topic, payload, qos, retain, properties, expiry_interval, origin, received_at FROM messages"))
        {
            var id = row.GetInt64(0);
            _messages[id] = Restore(id, row.GetString(1), (byte[])row[2], (QualityOfService)row.GetInt64(3), row.GetInt64(4) != 0,
                row.IsDBNull(5) ? null : (byte[])row[5], row.IsDBNull(6) ? null : (uint)row.GetInt64(6), row.IsDBNull(7) ? null : row.GetString(7), row.GetInt64(8));
            _lastMessageId = Math.Max(_lastMessageId, id);
        }
    }

    private void ReadDeliveries()
    {
        const string sql = "SELECT client_id, sequence, message_id, qos, retain, subscription_ids, packet_id, state, shared_filter FROM deliveries ORDER BY client_id, sequence";
        foreach (var row in Query(sql))
        {
            var messageId = row.GetInt64(2);
            if (!_sessions.TryGetValue(row.GetString(0), out var session) || !_messages.TryGetValue(messageId, out var message))
                continue;
            DeliveriesPerMessage[messageId] = DeliveriesPerMessage.GetValueOrDefault(messageId) + 1;
            session.Deliveries.Add(new StoredDelivery(row.GetInt64(1), message, (QualityOfService)row.GetInt64(3), row.GetInt64(4) != 0,
                Encoding.SubscriptionIds(row.IsDBNull(5) ? null : (byte[])row[5]), (ushort)row.GetInt64(6), (InflightState)row.GetInt64(7),
                row.IsDBNull(8) ? null : row.GetString(8)));
        }
    }

    private void ReadIncomingQos2()
    {
        foreach (var row in Query("SELECT client_id, packet_id FROM incoming_qos2"))
        {
            if (_sessions.TryGetValue(row.GetString(0), out var session))
                session.IncomingQos2.Add((ushort)row.GetInt64(1));
        }
    }

    private void ReadWills()
    {
        foreach (var row in Query("SELECT client_id, topic, payload, qos, retain, properties, due_at FROM wills"))
        {
            if (!_sessions.TryGetValue(row.GetString(0), out var session))
                continue;
            var will = new ConnectWill(row.GetString(1), (byte[])row[2], (QualityOfService)row.GetInt64(3), row.GetInt64(4) != 0)
            {
                Properties = Encoding.Properties(row.IsDBNull(5) ? null : (byte[])row[5], Properties.WillContext),
            };
            session.Will = new StoredWill(will, DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(6)));
        }
    }

    private List<Message> ReadRetained()
    {
        var retained = new List<Message>();
        foreach (var row in Query("SELECT topic, message_id, payload, qos, properties, expiry_interval, origin, received_at FROM retained"))
        {
            var id = row.GetInt64(1);
            retained.Add(Restore(id, row.GetString(0), (byte[])row[2], (QualityOfService)row.GetInt64(3), retain: true,
                row.IsDBNull(4) ? null : (byte[])row[4], row.IsDBNull(5) ? null : (uint)row.GetInt64(5), row.IsDBNull(6) ? null : row.GetString(6), row.GetInt64(7)));
            _lastMessageId = Math.Max(_lastMessageId, id);
        }
        return retained;
    }

    /// <summary>A stored message, its receive time turned back into a timestamp of this process's clock.</summary>
    private Message Restore(long id, string topic, byte[] payload, QualityOfService qos, bool retain, byte[]? properties, uint? expiry, string? origin, long receivedAt)
    {
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(receivedAt);
        var timestamp = time.GetTimestamp() - (long)(age.TotalSeconds * time.TimestampFrequency);
        return Message.Restore(id, topic, payload, qos, retain, properties, expiry, origin, timestamp);
    }

    private IEnumerable<SqliteDataReader> Query(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return reader;
    }

    private sealed class SessionParts(string clientId, uint expiryInterval, DateTimeOffset? disconnectedAt)
    {
        public string ClientId { get; } = clientId;
        public uint ExpiryInterval { get; } = expiryInterval;
        public DateTimeOffset? DisconnectedAt { get; } = disconnectedAt;
        public string? Username { get; init; }
        public List<(TopicSubscription, int?)> Subscriptions { get; } = [];
        public List<StoredDelivery> Deliveries { get; } = [];
        public List<ushort> IncomingQos2 { get; } = [];
        public StoredWill? Will { get; set; }
    }
}
