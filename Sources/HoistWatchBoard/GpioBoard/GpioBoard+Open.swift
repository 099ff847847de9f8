import HoistWatchConfig
import HoistWatchCore
import Logging

extension GpioBoard {
    /// What the status and logs call a profile board: the profile's name as the site config gives it, or the
    /// profile's path when the config names none.
    public static func name(for board: SiteConfig.Board, profilePath: String) -> String {
        if case .profile(let name) = board { return name }
        return profilePath
    }

    /// Opens a real board as `profile` (read from `profilePath`) maps it: the GPIO lines of every input
    /// `calibration` wires, then, when the calibration wires the load cell, the profile's `[hx711]` (the IIO
    /// device, or the two bit-banged lines). `name` is what the status and logs call the board. Used by
    /// `hoistwatch run` and `hoistwatch record`. The libgpiod is this machine's (`GpiodLibrary.system()`: v2 if
    /// installed, else v1).
    ///
    /// - Throws: `BoardOpenError` naming the part (GPIO lines, load cell) and what the machine lacks.
    public static func open(
        name: String, profilePath: String, profile: BoardProfile, calibration: Calibration,
        deviceId: String, logger: Logger
    ) throws(BoardOpenError) -> GpioBoard {
        let gpiod: GpiodLibrary
        do {
            gpiod = try GpiodLibrary.system()
        } catch {
            throw BoardOpenError(part: "GPIO lines", profilePath: profilePath, message: "\(error)")
        }
        logger.info("gpio library", metadata: ["gpio.library": "\(gpiod.description)"])
        return try open(
            name: name, profilePath: profilePath, profile: profile, calibration: calibration,
            deviceId: deviceId, gpiod: gpiod, readSysfs: SysfsAttribute.read, logger: logger)
    }

    /// `open` through another libgpiod (the fake of HoistWatchBoardTestKit, either API) and sysfs: the test seams.
    public static func open(
        name: String, profilePath: String, profile: BoardProfile, calibration: Calibration,
        deviceId: String, gpiod: GpiodLibrary, readSysfs: @escaping @Sendable (String) -> SysfsRead,
        logger: Logger
    ) throws(BoardOpenError) -> GpioBoard {
        let source = gpiod.lineSource
        let board: GpioBoard
        do {
            board = try GpioBoard(
                name: name, profile: profile, calibration: calibration, deviceId: deviceId,
                source: source, logger: logger)
        } catch {
            throw BoardOpenError(part: "GPIO lines", profilePath: profilePath, message: "\(error)")
        }
        guard calibration.wiredAdc.contains(.load), let wiring = profile.loadCell else { return board }
        switch wiring {
        case .iio(let device, let channel):
            do {
                let reader = try HX711IIOReader(device: device, channel: channel, readAttribute: readSysfs)
                board.use(loadCell: HX711IIOLoadCell(reader: reader), kind: "hx711 iio \(device)/\(channel)")
            } catch {
                throw BoardOpenError(
                    part: "load cell", profilePath: profilePath,
                    message: "key '\(error.key ?? "hx711")': \(error.message)")
            }
        case .gpio(let chip, let doutLine, let sckLine):
            do {
                let loadCell: HX711GpioLoadCell
                switch gpiod {
                case .v1(let functions):
                    loadCell = try HX711GpioLoadCell(
                        chip: chip, doutLine: doutLine, sckLine: sckLine,
                        source: GpiodV1LineSource(functions: functions), pause: HX711GpioLoadCell.sleep(ns:))
                case .v2(let functions):
                    loadCell = try HX711GpioLoadCell(
                        chip: chip, doutLine: doutLine, sckLine: sckLine,
                        source: GpiodV2LineSource(functions: functions), pause: HX711GpioLoadCell.sleep(ns:))
                }
                board.use(loadCell: loadCell, kind: "hx711 gpio \(chip.text) dout \(doutLine) sck \(sckLine)")
            } catch {
                throw BoardOpenError(part: "load cell", profilePath: profilePath, message: "\(error)")
            }
        }
        return board
    }
}
