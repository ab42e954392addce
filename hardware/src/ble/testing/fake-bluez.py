#!/usr/bin/python3
"""A fake BlueZ (org.bluez) for tests: one adapter and the devices a test adds, on the bus at
argv[1]. Written with Debian's python3-dbus because dbus-next cannot serve a{qv}
(ManufacturerData). Controlled over the same bus through com.example.FakeBluez at /fake:
AddDevice, Advertise, SetPowered, RemoveDevice, RemoveAdapter, Calls. Prints "ready" when it owns
org.bluez. Only for tests: it holds no state beyond the process."""
import sys

import dbus
import dbus.service
import dbus.mainloop.glib
from gi.repository import GLib

PROPS = 'org.freedesktop.DBus.Properties'
ADAPTER = 'org.bluez.Adapter1'
DEVICE = 'org.bluez.Device1'
CONTROL = 'com.example.FakeBluez'

calls = []


class PropertyObject(dbus.service.Object):
    """An object with one BlueZ interface whose properties are served by Properties.Get/GetAll."""

    def __init__(self, bus, path, interface, props):
        self.interface = interface
        self.props = props
        super().__init__(bus, path)

    @dbus.service.method(PROPS, in_signature='ss', out_signature='v')
    def Get(self, interface, name):
        if interface != self.interface or name not in self.props:
            raise dbus.exceptions.DBusException(
                'No such property ' + name, name='org.freedesktop.DBus.Error.InvalidArgs')
        return self.props[name]

    @dbus.service.method(PROPS, in_signature='s', out_signature='a{sv}')
    def GetAll(self, interface):
        return self.props if interface == self.interface else {}

    @dbus.service.method(PROPS, in_signature='ssv')
    def Set(self, interface, name, value):
        self.update({name: value})

    @dbus.service.signal(PROPS, signature='sa{sv}as')
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def update(self, changed):
        self.props.update(changed)
        self.PropertiesChanged(self.interface, dbus.Dictionary(changed, signature='sv'), [])


class AgentManager(dbus.service.Object):
    @dbus.service.method('org.bluez.AgentManager1', in_signature='os')
    def RegisterAgent(self, agent, capability):
        pass


class Adapter(PropertyObject):
    def __init__(self, bus, path):
        super().__init__(bus, path, ADAPTER, {
            'Address': dbus.String('00:1A:7D:DA:71:13'),
            'Name': dbus.String('fake-hci0'),
            'Powered': dbus.Boolean(True),
            'Discovering': dbus.Boolean(False),
        })

    @dbus.service.method(ADAPTER, in_signature='a{sv}')
    def SetDiscoveryFilter(self, filter):
        calls.append('SetDiscoveryFilter:' + ','.join(
            '%s=%s' % (k, v) for k, v in sorted(filter.items())))

    @dbus.service.method(ADAPTER)
    def StartDiscovery(self):
        if not self.props['Powered']:
            raise dbus.exceptions.DBusException('Not Ready', name='org.bluez.Error.NotReady')
        calls.append('StartDiscovery')
        self.update({'Discovering': dbus.Boolean(True)})

    @dbus.service.method(ADAPTER)
    def StopDiscovery(self):
        calls.append('StopDiscovery')
        self.update({'Discovering': dbus.Boolean(False)})


class Device(PropertyObject):
    @dbus.service.method(DEVICE)
    def Connect(self):
        pass


def manufacturer_data(company, data_hex):
    if company < 0:
        return None
    return dbus.Dictionary(
        {dbus.UInt16(company): dbus.Array(bytes.fromhex(data_hex), signature='y')},
        signature='qv')


def service_data(uuid, data_hex):
    if uuid == '':
        return None
    return dbus.Dictionary(
        {dbus.String(uuid): dbus.Array(bytes.fromhex(data_hex), signature='y')}, signature='sv')


class Control(dbus.service.Object):
    def __init__(self, bus, loop):
        super().__init__(bus, '/fake')
        self.bus = bus
        self.loop = loop
        self.agent = AgentManager(bus, '/org/bluez')
        self.adapter = Adapter(bus, '/org/bluez/hci0')
        self.devices = {}

    @dbus.service.method(CONTROL, in_signature='ssnqsss', out_signature='o')
    def AddDevice(self, address, address_type, rssi, company, mdata, suuid, sdata):
        """A device BlueZ has seen; company < 0x8000 and non-empty hex add ManufacturerData,
        a non-empty suuid adds ServiceData. has RSSI unless rssi is 0."""
        path = '/org/bluez/hci0/dev_' + address.upper().replace(':', '_')
        props = {
            'Address': dbus.String(address),
            'AddressType': dbus.String(address_type),
            'Adapter': dbus.ObjectPath('/org/bluez/hci0'),
            'Paired': dbus.Boolean(False),
            'Connected': dbus.Boolean(False),
        }
        if rssi != 0:
            props['RSSI'] = dbus.Int16(rssi)
        if mdata != '':
            props['ManufacturerData'] = manufacturer_data(company, mdata)
        sd = service_data(suuid, sdata)
        if sd is not None:
            props['ServiceData'] = sd
        self.devices[path] = Device(self.bus, path, DEVICE, props)
        return dbus.ObjectPath(path)

    @dbus.service.method(CONTROL, in_signature='onqs')
    def Advertise(self, path, rssi, company, mdata):
        """A new advertisement: PropertiesChanged with RSSI (and ManufacturerData when given)."""
        changed = {'RSSI': dbus.Int16(rssi)}
        if mdata != '':
            changed['ManufacturerData'] = manufacturer_data(company, mdata)
        self.devices[str(path)].update(changed)

    @dbus.service.method(CONTROL, in_signature='b')
    def SetPowered(self, powered):
        changed = {'Powered': dbus.Boolean(powered)}
        if not powered:
            changed['Discovering'] = dbus.Boolean(False)
        self.adapter.update(changed)

    @dbus.service.method(CONTROL, in_signature='o')
    def RemoveDevice(self, path):
        self.devices.pop(str(path)).remove_from_connection()

    @dbus.service.method(CONTROL)
    def RemoveAdapter(self):
        for device in self.devices.values():
            device.remove_from_connection()
        self.devices = {}
        self.adapter.remove_from_connection()

    @dbus.service.method(CONTROL, out_signature='as')
    def Calls(self):
        return calls

    @dbus.service.method(CONTROL)
    def Quit(self):
        GLib.idle_add(self.loop.quit)


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(sys.argv[1])
    loop = GLib.MainLoop()
    control = Control(bus, loop)
    name = dbus.service.BusName('org.bluez', bus)
    bus.call_on_disconnection(lambda _conn: loop.quit())
    print('ready', flush=True)
    loop.run()
    del control, name


if __name__ == '__main__':
    main()
