import Foundation

/// Distribution functions the tests and summaries need, in Float64: the regularized
/// incomplete gamma and beta functions and the chi-squared, Student t and binomial
/// distributions built on them. Series and continued fractions follow Numerical Recipes
/// (3rd ed., sections 6.2 and 6.4); relative accuracy is about 1e-14.
enum SpecialFunctions {
    static let relativeTolerance = 1e-15
    static let maximumIterations = 10_000

    /// Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0.
    static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "regularizedGammaP: a must be positive, got \(a)")
        if x <= 0 { return 0 }
        if x.isInfinite { return 1 }
        return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
    }

    /// Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), computed directly in the
    /// tail so that small survival probabilities keep their relative accuracy.
    static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "regularizedGammaQ: a must be positive, got \(a)")
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
    }

    /// P(a, x) by its power series: e^{-x} x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n)).
    static func gammaSeries(_ a: Double, _ x: Double) -> Double {
        var denominator = a
        var term = 1 / a
        var sum = term
        for _ in 0..<maximumIterations {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * relativeTolerance { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    /// Q(a, x) by its continued fraction (modified Lentz).
    static func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = Double.leastNormalMagnitude / Double.ulpOfOne
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for index in 1...maximumIterations {
            let an = -Double(index) * (Double(index) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < relativeTolerance { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Regularized incomplete beta I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
    static func regularizedBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(a, b, x) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(b, a, 1 - x) / b
    }

    /// The continued fraction of the incomplete beta function (modified Lentz).
    static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = Double.leastNormalMagnitude / Double.ulpOfOne
        let (qab, qap, qam) = (a + b, a + 1, a - 1)
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for step in 1...maximumIterations {
            let m = Double(step)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < relativeTolerance { break }
        }
        return h
    }

    /// The chi-squared survival function P(X ≥ x) with `degreesOfFreedom` = Q(k/2, x/2).
    static func chiSquaredSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
        regularizedGammaQ(degreesOfFreedom / 2, x / 2)
    }

    /// The Student t cumulative distribution P(T ≤ t) with ν degrees of freedom:
    /// with x = ν / (ν + t²), the tail is ½ I_x(ν/2, ½).
    static func studentTCumulative(_ t: Double, degreesOfFreedom: Double) -> Double {
        let tail = 0.5 * regularizedBeta(degreesOfFreedom / 2, 0.5, degreesOfFreedom / (degreesOfFreedom + t * t))
        return t > 0 ? 1 - tail : tail
    }

    /// The Student t quantile: the t with P(T ≤ t) = p, by bisection on the cumulative
    /// distribution (monotone), to 1e-13 absolute.
    static func studentTQuantile(_ p: Double, degreesOfFreedom: Double) -> Double {
        precondition(p > 0 && p < 1, "studentTQuantile: p must lie in (0, 1), got \(p)")
        var low = -1.0
        var high = 1.0
        while studentTCumulative(low, degreesOfFreedom: degreesOfFreedom) > p { low *= 2 }
        while studentTCumulative(high, degreesOfFreedom: degreesOfFreedom) < p { high *= 2 }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if studentTCumulative(middle, degreesOfFreedom: degreesOfFreedom) < p { low = middle } else { high = middle }
            if high - low < 1e-13 { break }
        }
        return (low + high) / 2
    }

    /// P(X ≤ k) for X ~ Binomial(n, ½), summed exactly in log space.
    static func binomialHalfCumulative(_ k: Int, trials n: Int) -> Double {
        if k < 0 { return 0 }
        if k >= n { return 1 }
        var total = 0.0
        for index in 0...k {
            total += exp(lgamma(Double(n + 1)) - lgamma(Double(index + 1)) - lgamma(Double(n - index + 1))
                         - Double(n) * log(2.0))
        }
        return min(total, 1)
    }
}
