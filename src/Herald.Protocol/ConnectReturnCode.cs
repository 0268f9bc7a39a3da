namespace Herald.Protocol;

/// <summary>The CONNACK return codes of MQTT 3.1 and 3.1.1 (section 3.2.2.3).</summary>
public enum ConnectReturnCode : byte
{
    Accepted = 0x00,
    UnacceptableProtocolVersion = 0x01,
    IdentifierRejected = 0x02,
    ServerUnavailable = 0x03,
    BadUsernameOrPassword = 0x04,
    NotAuthorized = 0x05,
}
