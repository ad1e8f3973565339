from django import forms

from apps.imports.interface import contracts


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ",".join((*contracts.UPLOAD_EXTENSIONS, contracts.GZIP_EXTENSION))}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = list(data) if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items or [None]]  # none: required


class UploadForm(forms.Form):
    # Django's form metaclass moves declared fields into base_fields: this does not replace BaseForm.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Activity files",
        help_text="GPX, TCX or FIT files (gzipped too), or a zip of them: an export of your watch or app.",
        error_messages={"required": "Choose at least one file to upload."},
    )
