using Herald.Broker.Messages;

namespace Herald.Broker.Retained;

/// <summary>The last retained message of each topic.</summary>
public interface IRetainedStore
{
    int Count { get; }

    /// <summary>Stores the message for its topic, replacing any before it; an empty payload clears the topic [MQTT-3.3.1-10].</summary>
    void Set(Message message);

    /// <summary>Adds every retained message whose topic matches <paramref name="filter"/> to <paramref name="results"/>.</summary>
    void Match(string filter, List<Message> results);

    /// <summary>Removes the messages whose Message Expiry has passed and adds them to <paramref name="removed"/>.</summary>
    void RemoveExpired(TimeProvider time, List<Message> removed);
}
