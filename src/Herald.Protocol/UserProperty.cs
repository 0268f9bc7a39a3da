namespace Herald.Protocol;

/// <summary>An MQTT 5 user property: a name and value pair; order and repeats are kept [MQTT-3.3.2-18].</summary>
public readonly record struct UserProperty(string Name, string Value);
