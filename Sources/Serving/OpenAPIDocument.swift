/// The OpenAPI 3.1 description of the server's routes, served at `GET /openapi.json`.
/// Written by hand; a test checks its paths and methods against the router's.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "mmfusion prediction server",
    "version": "1.0.0",
    "description": "Classifies social-media posts (text and/or image) with a trained multimodal fusion model. Posts from concurrent requests are micro-batched. Errors are {\"error\": {\"code\", \"message\"}}. When the server has an API key, /v1/ routes need Authorization: Bearer <key>."
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Post": {
        "type": "object",
        "additionalProperties": false,
        "description": "Text and/or image; at least one. Unknown fields are refused (400 unknown_field).",
        "properties": {
          "id": {"type": ["string", "null"], "description": "Echoed in the prediction."},
          "text": {"type": ["string", "null"], "maxLength": 10000},
          "image": {"type": ["string", "null"], "contentEncoding": "base64", "description": "JPEG, PNG, GIF, WebP or BMP bytes, base64 or a data: URL. URLs are never fetched."}
        }
      },
      "Prediction": {
        "type": "object",
        "required": ["label", "label_index", "probabilities", "signals", "modalities"],
        "properties": {
          "id": {"type": "string"},
          "label": {"type": "string"},
          "label_index": {"type": "integer"},
          "probabilities": {"type": "array", "items": {"type": "object", "required": ["label", "probability"], "properties": {"label": {"type": "string"}, "probability": {"type": "number"}}}},
          "signals": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number"}}, "description": "Per-post model signals (modality weights, gates, per-modality logits)."},
          "modalities": {"type": "array", "items": {"enum": ["text", "image"]}}
        }
      },
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}
      }
    },
    "responses": {
      "Error": {"description": "A refused or failed request.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "paths": {
    "/v1/predict": {
      "post": {
        "summary": "Classify one post",
        "security": [{"bearer": []}, {}],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Post"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {"text": {"type": "string"}, "image": {"type": "string", "contentMediaType": "application/octet-stream"}, "id": {"type": "string"}}}}
          }
        },
        "responses": {
          "200": {"description": "The prediction.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Prediction"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"},
          "504": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/predict/batch": {
      "post": {
        "summary": "Classify several posts (at most 64)",
        "security": [{"bearer": []}, {}],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}, "maxItems": 64}},
            "application/x-ndjson": {"schema": {"type": "string", "description": "One Post JSON object per line."}}
          }
        },
        "responses": {
          "200": {"description": "Predictions in request order.", "content": {"application/json": {"schema": {"type": "object", "required": ["predictions"], "properties": {"predictions": {"type": "array", "items": {"$ref": "#/components/schemas/Prediction"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"},
          "504": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/model": {
      "get": {
        "summary": "The model card, limits and batching settings",
        "security": [{"bearer": []}, {}],
        "responses": {
          "200": {"description": "Model, labels, features, encoders, temperature, the run's test metrics, the encoders' weight-file hashes, limits, batching.", "content": {"application/json": {"schema": {"type": "object", "required": ["model", "labels", "features", "encoders", "temperature", "source", "metrics", "weight_hashes", "limits", "batching", "authentication"], "properties": {"model": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}}, "features": {"type": "array", "items": {"type": "string"}}, "encoders": {"type": "object", "additionalProperties": {"type": "string"}}, "temperature": {"type": "number"}, "source": {"type": "string"}, "metrics": {"type": "object", "additionalProperties": {"type": "number"}}, "weight_hashes": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}, "limits": {"type": "object"}, "batching": {"type": "object"}, "authentication": {"type": "string"}}}}}},
          "401": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/healthz": {
      "get": {"summary": "Liveness", "responses": {"200": {"description": "{\"status\": \"ok\"}"}}}
    },
    "/readyz": {
      "get": {"summary": "Readiness: the model has answered its warm-up", "responses": {"200": {"description": "{\"status\": \"ready\"}"}, "503": {"$ref": "#/components/responses/Error"}}}
    },
    "/metrics": {
      "get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Prometheus text format 0.0.4.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}
    },
    "/openapi.json": {
      "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1 JSON."}}}
    },
    "/": {
      "get": {"summary": "A web page to try the model", "responses": {"200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}}}}
    }
  }
}
"""#
}
