namespace Herald.Server.Configuration;

/// <summary>Checks the bound options and names the key and the value at fault.</summary>
public static class HeraldOptionsValidator
{
    public static IReadOnlyList<string> Validate(HeraldOptions options)
    {
        var errors = new List<string>();
        void Range(string key, long value, long min, long max)
        {
            if (value < min || value > max)
                errors.Add($"Herald:{key} must be between {min} and {max}, not {value}");
        }
        void Address(string key, string value)
        {
            if (!ListenAddress.IsValid(value))
                errors.Add($"Herald:{key} must be 'localhost', '*' or an IP address, not '{value}'");
        }

        if (string.IsNullOrWhiteSpace(options.DataDir))
            errors.Add("Herald:DataDir must not be empty");
        Range("Mqtt:Port", options.Mqtt.Port, 1, 65535);
        Address("Mqtt:Address", options.Mqtt.Address);
        Range("Mqtt:ConnectTimeoutSeconds", options.Mqtt.ConnectTimeoutSeconds, 1, 3600);
        Range("Mqtt:MaxInflightMessages", options.Mqtt.MaxInflightMessages, 1, 65535);
        Range("Mqtt:MaxQueuedMessages", options.Mqtt.MaxQueuedMessages, 1, int.MaxValue);
        Range("Mqtt:MaxConnections", options.Mqtt.MaxConnections, 0, int.MaxValue);
        Range("Mqtt:MaxPacketSize", options.Mqtt.MaxPacketSize, 16, 268_435_460);
        Range("Http:Port", options.Http.Port, 1, 65535);
        Address("Http:Address", options.Http.Address);
        if (options.Mqtt.Port == options.Http.Port)
            errors.Add($"Herald:Mqtt:Port and Herald:Http:Port are both {options.Mqtt.Port}");
        return errors;
    }
}
