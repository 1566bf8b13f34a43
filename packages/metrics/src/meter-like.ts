/**
 * The part of an OpenTelemetry `Meter` the bridge uses, declared here so that @pool/metrics' types
 * do not require `@opentelemetry/api`. A `Meter` from `@opentelemetry/api` (1.x) satisfies it.
 */
export type MetricAttributesLike = Record<string, string>;

export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributesLike): void;
}

export type ObservableCallbackLike = (result: ObservableResultLike) => void | Promise<void>;

export interface ObservableLike {
  addCallback(callback: ObservableCallbackLike): void;
  removeCallback(callback: ObservableCallbackLike): void;
}

export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}

export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface MeterLike {
  createObservableUpDownCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  createObservableCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
}
