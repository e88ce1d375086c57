import Foundation

/// Pillow's resampling filters (`PIL.Image.Resampling`), with the integer codes that
/// Hugging Face `preprocessor_config.json` files store under `resample`.
public enum ResamplingFilter: Int, Codable, Sendable, CaseIterable {
    /// Nearest neighbour (no filtering).
    case nearest = 0
    /// Lanczos windowed sinc, support 3.
    case lanczos = 1
    /// Triangle (tent) filter, support 1.
    case bilinear = 2
    /// Keys cubic with a = -0.5, support 2.
    case bicubic = 3
    /// Box filter, support 0.5.
    case box = 4
    /// Hamming-windowed sinc, support 1.
    case hamming = 5

    /// Half-width of the kernel in input pixels before downscaling stretches it.
    var support: Double {
        switch self {
        case .nearest: return 0
        case .box: return 0.5
        case .bilinear, .hamming: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    /// The kernel value at `x`, exactly as Pillow's `libImaging/Resample.c` evaluates it.
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest:
            return 0
        case .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let distance = abs(x)
            return distance < 1 ? 1 - distance : 0
        case .hamming:
            let distance = abs(x)
            if distance == 0 { return 1 }
            if distance >= 1 { return 0 }
            let angle = distance * Double.pi
            // Pillow writes the window's constants as C floats.
            return sin(angle) / angle * (Double(Float(0.54)) + Double(Float(0.46)) * cos(angle))
        case .bicubic:
            let a = -0.5
            let distance = abs(x)
            if distance < 1 { return ((a + 2) * distance - (a + 3)) * distance * distance + 1 }
            if distance < 2 { return (((distance - 5) * distance + 8) * distance - 4) * a }
            return 0
        case .lanczos:
            guard -3 <= x && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let angle = x * Double.pi
        return sin(angle) / angle
    }
}
